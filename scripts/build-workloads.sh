#!/bin/sh
# Build the guest workload ELFs and their manifest (docs/workloads.md).
#
#   scripts/build-workloads.sh [DEST]     default DEST: workloads
#
# writes DEST/bin/*.elf and DEST/manifest.json (file names in the manifest are relative to DEST).
#
# The output is byte-reproducible for a given pair of Debian cross compilers: sources are
# compiled from inside workloads/src with relative names (so no checkout path reaches the
# ELF), there is no build-id, no .comment and no debug info. tests/qemu/workloads-reproducible.test.ts
# rebuilds into a temporary directory and compares with the committed files.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SRC="$ROOT/workloads/src"
DEST=${1:-"$ROOT/workloads"}
mkdir -p "$DEST/bin"
DEST=$(cd "$DEST" && pwd)
OUT="$DEST/bin"

CC_LE=${CC_LE:-powerpc64le-linux-gnu-gcc}
CC_BE=${CC_BE:-powerpc64-linux-gnu-gcc}
# Fixed link address of the MPIPL images (physical; they run in real mode). Keep in sync with
# MPIPL_LOAD_ADDRESS in tests/helpers/workloads.ts and docs/workloads.md.
MPIPL_LOAD_ADDRESS=0x04000000
WORKLOADS="scribble list copysum hash sort"

# -mabi=elfv2 on both byte orders: it links statically with -nostdlib, and it spares the
# loaders ELFv1 function descriptors. -fno-tree-loop-distribute-patterns keeps GCC from turning
# our loops into memcpy/memset calls; -fno-ident drops the compiler's .comment.
CFLAGS="-O2 -mcpu=power9 -mno-altivec -mno-vsx -msoft-float -mabi=elfv2 \
 -ffreestanding -nostdlib -static -no-pie -fno-stack-protector -fno-ident \
 -fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns \
 -ffile-prefix-map=$SRC=. -Wall -Wextra -Icommon"
# A 4 KiB max page size keeps the fixed-address MPIPL image from being padded to 64 KiB.
LDFLAGS="-Wl,--build-id=none -Wl,-z,noexecstack -Wl,-z,max-page-size=0x1000"

for cc in "$CC_LE" "$CC_BE"; do
  command -v "$cc" >/dev/null 2>&1 || { echo "build-workloads: $cc not found (apt-get install gcc-powerpc64le-linux-gnu gcc-powerpc64-linux-gnu)" >&2; exit 2; }
done

cd "$SRC"
for w in $WORKLOADS; do
  for endian in le be; do
    if [ "$endian" = le ]; then cc=$CC_LE; else cc=$CC_BE; fi
    # shellcheck disable=SC2086 # flags are word lists on purpose
    $cc $CFLAGS $LDFLAGS -o "$OUT/user-$w-$endian.elf" \
      common/start-user.S common/user-main.c common/libmini.c "$w.c"
    # shellcheck disable=SC2086
    $cc $CFLAGS $LDFLAGS -T common/mpipl.ld -Wl,--defsym=MPIPL_LOAD_ADDRESS=$MPIPL_LOAD_ADDRESS \
      -o "$OUT/mpipl-$w-$endian.elf" \
      common/start-mpipl.S common/mpipl-main.c common/libmini.c "$w.c"
  done
done

# Manifest: sorted, one entry per ELF, hashes from the files just written.
{
  printf '{\n'
  printf '  "formatVersion": 1,\n'
  printf '  "toolchain": {\n'
  printf '    "ppc64le": "%s",\n' "$($CC_LE --version | head -n 1)"
  printf '    "ppc64": "%s"\n' "$($CC_BE --version | head -n 1)"
  printf '  },\n'
  printf '  "mpiplLoadAddress": "%s",\n' "$MPIPL_LOAD_ADDRESS"
  printf '  "elfs": [\n'
  first=1
  for f in $(cd "$OUT" && ls *.elf | LC_ALL=C sort); do
    kind=${f%%-*}
    rest=${f#*-}
    workload=${rest%-*}
    endian=${rest##*-}
    endian=${endian%.elf}
    sha=$(sha256sum "$OUT/$f" | cut -d ' ' -f 1)
    [ $first = 1 ] || printf ',\n'
    first=0
    printf '    { "file": "bin/%s", "kind": "%s", "workload": "%s", "endian": "%s", "sha256": "%s" }' \
      "$f" "$kind" "$workload" "$endian" "$sha"
  done
  printf '\n  ]\n}\n'
} > "$DEST/manifest.json"
