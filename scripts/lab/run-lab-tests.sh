#!/usr/bin/env bash
# The lab suite: boots ONE guest that runs mocha over dist/test/lab/**/*.test.js as root on
# the real kernel, then prints the per-test list and `lab: N passed, N failed` here.
#   scripts/lab/run-lab-tests.sh [--no-build] [--grep PATTERN]
# Exit: 0 all passed; 1 a test failed, nothing ran, or the guest hung or crashed.
# If the lab cannot boot it says LAB SKIPPED loudly: exit 0, but 1 when CI=true.
# LAB_ID=name keeps this run's files apart (.lab/runs/NAME, .lab/results-NAME/lab.json), so
# two runs in one checkout do not overwrite each other; npm test uses the default.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
checkout="$(cd "$here/../.." && pwd)"
cd "$checkout"

build=1
grep_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0; shift ;;
    --grep) grep_args=(--grep "$2"); shift 2 ;;
    *) echo "run-lab-tests.sh: unknown option '$1' (known: --no-build, --grep PATTERN)" >&2; exit 2 ;;
  esac
done

if [ "$build" -eq 1 ]; then
  # tsc emits even when some file has type errors; those are reported, the lab still runs.
  mkdir -p .lab
  npx tsc -p . > .lab/tsc.log 2>&1 || echo "lab: warning: tsc reported errors (see .lab/tsc.log); running what was emitted" >&2
  # the release executables and .deb for test/lab/packaged.test.ts, once per run; zstd keeps
  # dpkg-deb at seconds (xz, the release default, takes minutes)
  rm -f dist/release/*.deb
  if ! node dist/scripts/package/build.js --compression zstd > .lab/package.log 2>&1; then
    echo "lab: warning: npm run package failed (see .lab/package.log); the packaged scenario will fail" >&2
  fi
fi

mapfile -t test_files < <(find dist/test/lab -name '*.test.js' 2>/dev/null | sort)
if [ "${#test_files[@]}" -eq 0 ]; then
  echo "lab: no compiled lab tests under dist/test/lab (run npx tsc -p .)" >&2
  echo "lab: 0 passed, 0 failed"
  exit 1
fi

lab_id="${LAB_ID:-}"
if [ -n "$lab_id" ] && ! [[ "$lab_id" =~ ^[A-Za-z0-9_-]+$ ]]; then
  echo "run-lab-tests.sh: LAB_ID must be letters, digits, '_' or '-'" >&2; exit 2
fi
run_dir="$checkout/.lab/runs/${lab_id:-lab-tests}"
results_dir="$checkout/.lab/results${lab_id:+-$lab_id}"
report="$results_dir/lab.json"
mkdir -p "$results_dir"
rm -f "$report"   # a stale report must never count as this run's

# Budget: a hung guest is killed after LAB_TIMEOUT_S (default 40 min, inside CI's 90); the suite
# itself takes minutes (docs/lab.md gives measured times). UML is slow, a loaded host slower.
started=$(date +%s)
# LAB_IPVS=ipvsadm runs every lab director on ipvsadm instead of netlink (test/lab/support/agents.ts)
env_args=()
if [ -n "${LAB_IPVS:-}" ]; then env_args=(--env LAB_IPVS); fi
"$here/boot.sh" --timeout "${LAB_TIMEOUT_S:-2400}" --run-dir "$run_dir" "${env_args[@]}" -- \
  node node_modules/mocha/bin/mocha.js --no-config --enable-source-maps --exit \
    --timeout 120000 --reporter json --reporter-option "output=$report" \
    "${grep_args[@]}" "${test_files[@]}"
status=$?
echo "lab: suite took $(( $(date +%s) - started )) s (boot included)" >&2

case "$status" in
  200)
    reason="$(cat "$run_dir/reason" 2>/dev/null || echo unknown)"
    echo ""
    echo "########################################################################"
    echo "###  LAB SKIPPED: the lab kernel cannot boot here."
    echo "###  reason: $reason"
    echo "###  The real-kernel tests did NOT run. Nothing about IPVS was verified."
    echo "########################################################################"
    if [ "${CI:-}" = "true" ]; then echo "lab: CI=true, so a skipped lab fails the run"; exit 1; fi
    exit 0 ;;
  201|202)
    echo "lab: the guest did not finish (see above); results so far are lost"
    echo "lab: 0 passed, 0 failed"
    exit 1 ;;
esac

node dist/scripts/lab/lab-results.js "$report"
summary_status=$?
if [ "$summary_status" -eq 0 ] && [ "$status" -ne 0 ]; then
  echo "lab: mocha exited $status although its report shows no failure; treating the run as failed"
  exit 1
fi
exit "$summary_status"
