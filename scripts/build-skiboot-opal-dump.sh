#!/bin/sh
# Compile skiboot's own core/opal-dump.c, unmodified, into an mpipl-sim skiboot ELF
# (docs/firmware-elf.md, "skiboot recipe").
#
#   scripts/build-skiboot-opal-dump.sh SKIBOOT_DIR [OUT]     default OUT: ./opal-dump-skiboot.elf
#
# SKIBOOT_DIR is a skiboot source tree; only SKIBOOT_DIR/core/opal-dump.c is read. It is compiled
# against firmware/compat/skiboot/include (declarations we wrote from the documented layouts,
# none of skiboot's headers) and linked with firmware/compat/skiboot/glue.c, libfw and our SBE
# code at the skiboot ELF's link address. Then:
#
#   npx mpipl-sim check --firmware-elf skiboot=OUT
set -eu

[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: scripts/build-skiboot-opal-dump.sh SKIBOOT_DIR [OUT]" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FW="$ROOT/firmware"
SRC="$1/core/opal-dump.c"
[ -f "$SRC" ] || { echo "build-skiboot-opal-dump: $SRC not found (expected a skiboot source tree)" >&2; exit 2; }
SRC=$(cd "$(dirname "$SRC")" && pwd)/opal-dump.c
OUT=${2:-opal-dump-skiboot.elf}
case $OUT in /*) ;; *) OUT="$(pwd)/$OUT" ;; esac

CC=${CC_BE:-powerpc64-linux-gnu-gcc}
command -v "$CC" >/dev/null 2>&1 || { echo "build-skiboot-opal-dump: $CC not found (apt-get install gcc-powerpc64-linux-gnu)" >&2; exit 2; }
export SOURCE_DATE_EPOCH=0
export LC_ALL=C

# The ABI's flags (as scripts/build-firmware.sh). -nostdinc plus GCC's own include directory:
# opal-dump.c sees only the compat headers and the compiler's freestanding ones.
CFLAGS="-ffreestanding -nostdlib -mcpu=power9 -msoft-float -mno-altivec -mno-vsx -mbig-endian \
 -mabi=elfv2 -O2 -g -ffixed-r13 -ffixed-r16 -fno-stack-protector -static -no-pie \
 -fno-zero-initialized-in-bss -fno-tree-loop-distribute-patterns -fno-ident \
 -fno-asynchronous-unwind-tables -mtraceback=no -ffile-prefix-map=$FW=. \
 -ffile-prefix-map=$(dirname "$(dirname "$SRC")")=skiboot \
 -nostdinc -isystem $($CC -print-file-name=include)"
LDFLAGS="-Wl,--build-id=none -Wl,-z,noexecstack -Wl,-z,max-page-size=0x1000 -Wl,--no-warn-rwx-segments \
 -Wl,--defsym=spirah=0x30010000"

cd "$FW"
# shellcheck disable=SC2086 # flags are word lists on purpose
$CC $CFLAGS -Icompat/skiboot/include -Iinclude -Ilib -Isrc/skiboot $LDFLAGS -T ld/skiboot.ld \
  -o "$OUT.tmp" "$SRC" compat/skiboot/glue.c src/skiboot/sbe.c lib/string.c lib/heap.c lib/services.c
mv "$OUT.tmp" "$OUT"
echo "$OUT"
