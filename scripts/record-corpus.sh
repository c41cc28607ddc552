#!/usr/bin/env bash
# Re-record traces/corpus/: the golden traces `npm test` replays bit for bit.
# Run it after a deliberate change of behaviour (new events, a model fix), and say so in the commit.
# traces/corpus/v1/ is not re-recorded: it keeps a trace of the older format version this build
# still reads (docs/trace-format.md), so its decoder stays tested.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build >/dev/null
out=traces/corpus
rm -f "$out"/*.mpt
sim() { node bin/mpipl-sim.js "$@" >/dev/null || true; }   # failing verdicts are recorded too
sim run --seed 1 --record "$out/reference-seed1.mpt"
sim run --seed 2 --crashes 2 --record "$out/reference-seed2-two-crashes.mpt"
sim run --seed 3 --config scripts/corpus/synthetic-bigendian-2chips.json --record "$out/reference-seed3-synthetic-be.mpt"
sim run --seed 4 --config scripts/corpus/never-stashed.json --record "$out/reference-seed4-never-stashed.mpt"
sim run --seed 1 --firmware qemu --record "$out/qemu-seed1.mpt"
sim run --seed 5 --trace-level full --record "$out/reference-seed5-full.mpt"
sim run --seed 1 --firmware mutant:hostboot-omits-cr-xer --record "$out/mutant-hostboot-omits-cr-xer-seed1.mpt"
ls -l "$out"
