#!/bin/sh
# Build our C firmware (docs/firmware-elf.md) as big-endian ELFv2 POWER machine code.
#
#   scripts/build-firmware.sh [DEST]     default DEST: firmware/bin
#
# writes DEST/skiboot.elf, DEST/hostboot.elf, one ELF per C-level mutant in DEST/mutants/
# (<mutant>-<participant>.elf, the participant the mutant changes) and DEST/manifest.json.
#
# Byte-reproducible for a given Debian cross compiler: sources are compiled from inside firmware/
# with relative names and -ffile-prefix-map (no checkout path reaches the ELF or its DWARF), in a
# fixed order, with no build-id and no .comment; SOURCE_DATE_EPOCH is pinned.
# tests/firmware-elf/build-reproducible.test.ts rebuilds into a temporary directory and compares.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
FW="$ROOT/firmware"
DEST=${1:-"$FW/bin"}
mkdir -p "$DEST/mutants"
DEST=$(cd "$DEST" && pwd)

CC=${CC_BE:-powerpc64-linux-gnu-gcc}
command -v "$CC" >/dev/null 2>&1 || { echo "build-firmware: $CC not found (apt-get install gcc-powerpc64-linux-gnu)" >&2; exit 2; }
export SOURCE_DATE_EPOCH=0
export LC_ALL=C

# The ABI's flags (docs/firmware-elf.md), plus: -mtraceback=no (no traceback tables between
# functions, so every word of .text is an instruction); -fno-tree-loop-distribute-patterns keeps
# GCC from turning libfw's loops into calls to themselves; -fno-zero-initialized-in-bss and the
# linker scripts keep every global file-backed (the skiboot ELF is overlaid on the flash image).
CFLAGS="-ffreestanding -nostdlib -mcpu=power9 -msoft-float -mno-altivec -mno-vsx -mbig-endian \
 -mabi=elfv2 -O2 -g -ffixed-r13 -ffixed-r16 -fno-stack-protector -static -no-pie \
 -fno-zero-initialized-in-bss -fno-tree-loop-distribute-patterns -fno-ident \
 -fno-asynchronous-unwind-tables -mtraceback=no -ffile-prefix-map=$FW=. -Wall -Wextra -Werror \
 -Iinclude -Ilib"
LDFLAGS="-Wl,--build-id=none -Wl,-z,noexecstack -Wl,-z,max-page-size=0x1000 -Wl,--no-warn-rwx-segments"

LIBFW="lib/string.c lib/heap.c lib/services.c"
SKIBOOT_SRC="$LIBFW src/skiboot/tables.c src/skiboot/sbe.c src/skiboot/preserved.c src/skiboot/mpipl.c"
HOSTBOOT_SRC="$LIBFW src/hostboot/preserve.c src/hostboot/capture.c src/hostboot/ipl.c"

# C-level mutants: the built-in mutant's name (sim/firmware/mutants.ts) and its participant. The
# -D flag is MUTANT_ + the name in upper case with '-' as '_'; each selects a one-line variant.
# `*-mid-call-*` mutants have no model twin: their bug shows only when a crash lands inside the
# OPAL call (coupled time, docs/firmware-elf.md "Time modes"); completed, they leave what the
# reference leaves.
MUTANTS="
skiboot-query-tag-swaps-kernel-boot-mem skiboot
skiboot-query-tag-not-big-endian skiboot
skiboot-opal-tag-keeps-hrmor skiboot
skiboot-cpu-tag-size-one-thread skiboot
skiboot-opal-tag-all-mdrt-regions skiboot
skiboot-zeroes-metadata-before-reading-tags skiboot
skiboot-add-range-swaps-mdst-mddt skiboot
hostboot-copy-short-page hostboot
hostboot-copy-direction-swapped hostboot
hostboot-mdrt-dest-is-src hostboot
hostboot-reg-offset-0x18 hostboot
hostboot-regs-core-pir hostboot
hostboot-act-size-one-thread hostboot
hostboot-proc-dump-before-reload hostboot
skiboot-mid-call-add-range-count-zero skiboot
skiboot-mid-call-remove-range-count-zero skiboot
skiboot-mid-call-remove-range-rebuilds-table skiboot
skiboot-mid-call-remove-all-count-zero-first skiboot
skiboot-mid-call-remove-all-zeroes-table-first skiboot
"

# build OUT PARTICIPANT [DEFINE]: one ELF, written atomically.
build() {
  out=$1
  participant=$2
  define=${3:-}
  if [ "$participant" = skiboot ]; then src=$SKIBOOT_SRC; else src=$HOSTBOOT_SRC; fi
  # shellcheck disable=SC2086 # flags and sources are word lists on purpose
  $CC $CFLAGS $define $LDFLAGS -T "ld/$participant.ld" -o "$out.tmp" $src
  mv "$out.tmp" "$out"
}

cd "$FW"
build "$DEST/skiboot.elf" skiboot
build "$DEST/hostboot.elf" hostboot
echo "$MUTANTS" | while read -r name participant; do
  [ -n "$name" ] || continue
  define=MUTANT_$(echo "$name" | tr 'a-z-' 'A-Z_')
  build "$DEST/mutants/$name-$participant.elf" "$participant" "-D$define"
done

# Manifest: one entry per ELF, sorted by file name, hashes from the files just written.
{
  printf '{\n'
  printf '  "formatVersion": 1,\n'
  printf '  "abiVersion": 1,\n'
  printf '  "toolchain": "%s",\n' "$($CC --version | head -n 1)"
  printf '  "elfs": [\n'
  first=1
  for f in $(cd "$DEST" && { ls ./*.elf; ls mutants/*.elf; } | sed 's|^\./||' | sort); do
    case $f in
      mutants/*)
        base=${f#mutants/}
        base=${base%.elf}
        participant=${base##*-}
        mutant=${base%-*}
        ;;
      *)
        participant=${f%.elf}
        mutant=
        ;;
    esac
    sha=$(sha256sum "$DEST/$f" | cut -d ' ' -f 1)
    [ $first = 1 ] || printf ',\n'
    first=0
    if [ -n "$mutant" ]; then
      define=MUTANT_$(echo "$mutant" | tr 'a-z-' 'A-Z_')
      printf '    { "file": "%s", "participant": "%s", "mutant": "%s", "define": "%s", "sha256": "%s" }' \
        "$f" "$participant" "$mutant" "$define" "$sha"
    else
      printf '    { "file": "%s", "participant": "%s", "sha256": "%s" }' "$f" "$participant" "$sha"
    fi
  done
  printf '\n  ]\n}\n'
} > "$DEST/manifest.json.tmp"
mv "$DEST/manifest.json.tmp" "$DEST/manifest.json"
