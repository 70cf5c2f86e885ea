#!/usr/bin/env bash
# A long fuzz run: the host suite's fuzz properties (the agent's decoding of ApplyRequest
# plans, the plan loader on any text) with many more cases each, no timeout.
#   LVSCTL_FUZZ_RUNS  cases per property (default 200000; the host suite runs 1,000-1,500)
#   LVSCTL_FUZZ_SEED  replays a failing run with the seed fast-check printed
# Builds first (SKIP_BUILD=1 skips it when dist/ is fresh).
set -euo pipefail
cd "$(dirname "$0")/.."
export LVSCTL_FUZZ_RUNS="${LVSCTL_FUZZ_RUNS:-200000}"
if [ "${SKIP_BUILD:-}" != "1" ]; then
  npm run --silent build
fi
started=$(date +%s)
npx mocha --no-config --enable-source-maps --timeout 0 --grep '^fuzz: ' \
  dist/test/unit/wire/host-plan-fuzz.test.js dist/test/unit/plan/load-fuzz.test.js
echo "fuzz-long: ${LVSCTL_FUZZ_RUNS} cases per property in $(( $(date +%s) - started )) s"
