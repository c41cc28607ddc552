#!/bin/sh
# Build the interpreter benchmark corpus (docs/benchmarks.md): every program of
# workloads/corpus/src at -O0, -O2, -O3 and -Os, little- and big-endian, as static ppc64 Linux
# user ELFs, and their manifest.
#
#   scripts/build-corpus.sh [DEST]     default DEST: workloads/corpus
#
# writes DEST/bin/<program>-<opt>-<endian>.elf and DEST/manifest.json. Byte-reproducible for a
# given pair of Debian cross compilers, by the same means as scripts/build-workloads.sh (relative
# source names, no build-id, no .comment, no debug info); tests/qemu/corpus.test.ts rebuilds
# into a temporary directory and compares with the committed files.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WL="$ROOT/workloads"
DEST=${1:-"$WL/corpus"}
mkdir -p "$DEST/bin"
DEST=$(cd "$DEST" && pwd)
OUT="$DEST/bin"

CC_LE=${CC_LE:-powerpc64le-linux-gnu-gcc}
CC_BE=${CC_BE:-powerpc64-linux-gnu-gcc}
PROGRAMS="bignum cipher hashes json lz printf qsort tree vm"
OPTS="O0 O2 O3 Os"

# The workloads' flags (docs/workloads.md) except the optimisation level, which is the point here.
CFLAGS="-mcpu=power9 -mno-altivec -mno-vsx -msoft-float -mabi=elfv2 \
 -ffreestanding -nostdlib -static -no-pie -fno-stack-protector -fno-ident \
 -fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns \
 -ffile-prefix-map=$WL=. -Wall -Wextra -Icorpus/src -Isrc/common"
LDFLAGS="-Wl,--build-id=none -Wl,-z,noexecstack -Wl,-z,max-page-size=0x1000"

for cc in "$CC_LE" "$CC_BE"; do
  command -v "$cc" >/dev/null 2>&1 || { echo "build-corpus: $cc not found (apt-get install gcc-powerpc64le-linux-gnu gcc-powerpc64-linux-gnu)" >&2; exit 2; }
done

# From workloads/, so the entry code and libmini are the workloads' own (relative names only).
cd "$WL"
for p in $PROGRAMS; do
  for opt in $OPTS; do
    for endian in le be; do
      if [ "$endian" = le ]; then cc=$CC_LE; else cc=$CC_BE; fi
      # shellcheck disable=SC2086 # flags are word lists on purpose
      $cc -$opt $CFLAGS $LDFLAGS -o "$OUT/$p-$opt-$endian.elf" \
        src/common/start-user.S corpus/src/driver.c src/common/libmini.c "corpus/src/$p.c"
    done
  done
done

{
  printf '{\n'
  printf '  "formatVersion": 1,\n'
  printf '  "toolchain": {\n'
  printf '    "ppc64le": "%s",\n' "$($CC_LE --version | head -n 1)"
  printf '    "ppc64": "%s"\n' "$($CC_BE --version | head -n 1)"
  printf '  },\n'
  printf '  "elfs": [\n'
  first=1
  for f in $(cd "$OUT" && ls *.elf | LC_ALL=C sort); do
    base=${f%.elf}
    endian=${base##*-}
    rest=${base%-*}
    opt=${rest##*-}
    program=${rest%-*}
    sha=$(sha256sum "$OUT/$f" | cut -d ' ' -f 1)
    [ $first = 1 ] || printf ',\n'
    first=0
    printf '    { "file": "bin/%s", "program": "%s", "opt": "%s", "endian": "%s", "sha256": "%s" }' \
      "$f" "$program" "$opt" "$endian" "$sha"
  done
  printf '\n  ]\n}\n'
} > "$DEST/manifest.json"
