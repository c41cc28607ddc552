#!/bin/sh
# `git bisect run` step for C firmware (docs/bisect.md, "git bisect over firmware commits"):
# build the firmware at the checked-out commit and compare it, on every trace of a corpus recorded
# with the good build, with the good commit's build — by shared effects (`bisect diverge FILE
# --firmware-elf … --recorded-elf …`), so two builds that do the same thing are equal although
# their code, stacks and timing differ.
#
#   git bisect start BAD GOOD
#   git bisect run /path/to/mpipl-sim/scripts/git-bisect-firmware.sh GOOD TRACE_DIR_OR_FILE...
#   git bisect reset
#
# Exit: 0 every trace agrees (good), 1 one parts (bad), 125 this commit cannot be tested (the
# firmware does not build, an ELF is refused, a trace cannot run): git bisect skips it.
#
# Environment: MPIPL_SIM (default: node <this checkout>/bin/mpipl-sim.js), BUILD_FIRMWARE (default:
# scripts/build-firmware.sh of the repository being bisected; it takes the output directory as its
# argument and writes skiboot.elf and hostboot.elf there).
set -u

[ $# -ge 2 ] || { echo "usage: git-bisect-firmware.sh GOOD_COMMIT TRACE..." >&2; exit 125; }
GOOD=$1
shift

HERE=$(cd "$(dirname "$0")/.." && pwd)
MPIPL_SIM=${MPIPL_SIM:-"node $HERE/bin/mpipl-sim.js"}
REPO=$(git rev-parse --show-toplevel) || exit 125
GIT_DIR=$(git rev-parse --absolute-git-dir) || exit 125
BUILD_FIRMWARE=${BUILD_FIRMWARE:-scripts/build-firmware.sh}
GOOD_SHA=$(git rev-parse --verify "$GOOD^{commit}") || exit 125

# The good build, once per bisection (kept in the git directory, keyed by the commit).
GOOD_OUT="$GIT_DIR/mpipl-bisect/good-$GOOD_SHA"
if [ ! -f "$GOOD_OUT/skiboot.elf" ]; then
  SRC="$GIT_DIR/mpipl-bisect/src-$GOOD_SHA"
  rm -rf "$SRC" "$GOOD_OUT.tmp"
  mkdir -p "$SRC" "$GOOD_OUT.tmp"
  git archive "$GOOD_SHA" | tar -x -C "$SRC" || exit 125
  (cd "$SRC" && $BUILD_FIRMWARE "$GOOD_OUT.tmp" >/dev/null) || { echo "git-bisect-firmware: the good commit $GOOD does not build" >&2; exit 125; }
  rm -rf "$SRC"
  mv "$GOOD_OUT.tmp" "$GOOD_OUT"
fi

# This commit's build (a build failure is a commit git bisect skips).
OUT=$(mktemp -d) || exit 125
trap 'rm -rf "$OUT"' EXIT
(cd "$REPO" && $BUILD_FIRMWARE "$OUT" >/dev/null) || { echo "git-bisect-firmware: $(git rev-parse --short HEAD) does not build: skipped" >&2; exit 125; }

elfs() {
  list=
  for who in skiboot hostboot; do
    [ -f "$1/$who.elf" ] && list="$list${list:+,}$who=$1/$who.elf"
  done
  echo "$list"
}

status=0
for arg in "$@"; do
  if [ -d "$arg" ]; then files=$(find "$arg" -maxdepth 1 -name '*.mpt' | sort); else files=$arg; fi
  for f in $files; do
    # shellcheck disable=SC2086 # MPIPL_SIM is a command line
    $MPIPL_SIM bisect diverge "$f" --firmware-elf "$(elfs "$OUT")" --recorded-elf "$(elfs "$GOOD_OUT")"
    rc=$?
    case $rc in
      0) ;;
      1) status=1 ;;
      *) echo "git-bisect-firmware: $f cannot be tested here (exit $rc): skipped" >&2; exit 125 ;;
    esac
    [ $status = 0 ] || exit 1
  done
done
exit 0
