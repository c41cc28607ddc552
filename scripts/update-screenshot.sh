#!/usr/bin/env bash
# Regenerate docs/report-screenshot.png, the report picture README.md and docs/vmcore-and-report.md
# show. `npm test` takes the same screenshot into a temporary directory only; run this after a
# deliberate change to the report's look and commit the new picture.
# CI=1 makes a missing Chromium fail the run instead of skipping it (tests/helpers/tools.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
MPIPL_UPDATE_SCREENSHOT=1 CI=1 npx vitest run tests/report/chromium.test.ts
ls -l docs/report-screenshot.png
