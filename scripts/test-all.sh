#!/usr/bin/env bash
# The whole test suite (`npm test`): build, the host suite (unit + integration, fake
# kernels, real gRPC on loopback), then the lab suite (real IPVS in a user-mode-linux
# guest). Ends with one line "N passed, N failed" over both, also kept in
# .lab/results/summary.txt for .ci/run.
set -uo pipefail
cd "$(dirname "$0")/.."
results=.lab/results
mkdir -p "$results"
rm -f "$results/host.json" "$results/lab.json" "$results/summary.txt"

if ! npm run --silent build; then
  echo "build failed: no test ran" | tee "$results/summary.txt"
  echo "0 passed, 1 failed" | tee -a "$results/summary.txt"
  exit 1
fi

npx mocha --reporter ./scripts/mocha-summary-reporter.js --reporter-option "summary=$results/host.json"
host_rc=$?

bash scripts/lab/run-lab-tests.sh
lab_rc=$?

# A lab that cannot boot fails the run in CI (run-lab-tests.sh says so loudly); elsewhere
# the closing line counts the host suite only and says the lab did not run.
suites=("$results/host.json")
if [ -f "$results/lab.json" ] || [ "${CI:-}" = "true" ]; then
  suites+=("$results/lab.json")
else
  echo "note: the lab suite did not run (LAB SKIPPED above); the count below is the host suite only"
fi
node scripts/sum-results.js "${suites[@]}" | tee "$results/summary.txt"
sum_rc=${PIPESTATUS[0]}

if [ "$host_rc" -ne 0 ] || [ "$lab_rc" -ne 0 ] || [ "$sum_rc" -ne 0 ]; then
  exit 1
fi
