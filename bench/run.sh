#!/usr/bin/env bash
# npm run bench: lvsctl against its baselines, written to docs/benchmarks.md.
#   1. scripts/install-deps.sh (the lab's packages, keepalived, ansible-core), the build;
#   2. bench/prepare.ts: the plans, the ipvsadm batch, keepalived.conf, certificates (.lab/bench);
#   3. ONE boot of the lab guest (scripts/lab/boot.sh) running bench/guest.ts: ipvsadm -R,
#      the readers, keepalived, then lvsctl's load, weight change, no-ops, 20,000 load;
#   4. bench/fanout.ts inside `unshare --net` on this machine: N realserver agents, lvsctl
#      against Ansible; bench/cli-startup.ts: `lvsctl --help` and `validate` against node -e 0
#      (from dist/ and as the packaged executable, which it builds: npm run package --no-deb);
#   5. bench/report.ts: docs/benchmarks.md.
# Every part is bounded; a part that fails leaves its figures "not measured" and the rest
# still runs. Knobs: see "How to run" in docs/benchmarks.md. Timing never fails the run:
# the exit status is 0 once the report is written, 1 if it could not be.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
checkout="$(cd "$here/.." && pwd)"
cd "$checkout"
started=$(date +%s)

services="${BENCH_SERVICES:-2000}"
destinations="${BENCH_DESTINATIONS:-10}"
big="${BENCH_BIG:-20000}"
fanout_counts="${BENCH_FANOUT:-1,10,50,100}"
repeats="${BENCH_REPEATS:-3}"
ansible_repeats="${BENCH_ANSIBLE_REPEATS:-1}"
load_budget_s="${BENCH_LOAD_BUDGET_S:-240}"
guest_budget_s="${BENCH_GUEST_BUDGET_S:-660}"
ipvs="${BENCH_IPVS:-detect}"
out="${BENCH_OUT:-docs/benchmarks.md}"
lab_id="${LAB_ID:-bench}"
# BENCH_SKIP_BASELINES=1: lvsctl's own figures and profiles only (no ipvsadm -R, readers, keepalived, RSS at rest)
prepare_flags=()
[ "${BENCH_SKIP_BASELINES:-0}" = 1 ] && prepare_flags+=(--skip-baselines)
# BENCH_PROFILE=0: no profiled repeats (the figures themselves are always taken without the profiler)
[ "${BENCH_PROFILE:-1}" = 0 ] && prepare_flags+=(--no-profile)
# BENCH_REST_S=N: the director agent has been up at least N s before lvsctl's load (the full run's
# baselines and RSS wait give it ~4 minutes; a trial with BENCH_SKIP_BASELINES=1 otherwise loads at once)
prepare_flags+=(--rest-before-load-s "${BENCH_REST_S:-0}")
# BENCH_AGENT_NODE_OPTIONS="...": added to the director agent's NODE_OPTIONS (a trial of V8's flags; the report names them)
prepare_flags+=(--agent-node-options "${BENCH_AGENT_NODE_OPTIONS:-}")
export LAB_MEM_MB="${LAB_MEM_MB:-2048}"
dir="$checkout/.lab/bench"

if ! [[ "$lab_id" =~ ^[A-Za-z0-9_-]+$ ]]; then echo "bench: LAB_ID must be letters, digits, '_' or '-'" >&2; exit 2; fi
say() { echo "bench: $* ($(( $(date +%s) - started )) s)"; }

mkdir -p "$dir"
say "installing what is missing (scripts/install-deps.sh)"
bash scripts/install-deps.sh || { echo "bench: scripts/install-deps.sh failed" >&2; exit 1; }
say "building"
# npm run build, but incremental (.lab/bench-tsbuildinfo): a full tsc takes minutes on a busy 2-core machine
{ npm run --silent gen:proto && npx tsc -p . --incremental --tsBuildInfoFile .lab/bench-tsbuildinfo && node scripts/postbuild.js; } \
  > "$checkout/.lab/bench-build.log" 2>&1 || { cat "$checkout/.lab/bench-build.log" >&2; echo "bench: the build failed" >&2; exit 1; }

# this run's results only: a stale file must never stand in the report
rm -f "$dir"/guest.json "$dir"/fanout.json "$dir"/hello.json "$dir"/profile-*.json* "$dir"/*.log "$dir"/rollout-*.out
node dist/bench/prepare.js --dir "$dir" --services "$services" --destinations "$destinations" --big "$big" \
  --fanout-max "$( [ "$fanout_counts" = none ] && echo 1 || tr ',' '\n' <<< "$fanout_counts" | sort -n | tail -n 1)" --ipvs "$ipvs" \
  --guest-budget-s "$guest_budget_s" --load-budget-s "$load_budget_s" "${prepare_flags[@]}" \
  || { echo "bench: preparing the inputs failed" >&2; exit 1; }

say "booting the lab guest (LAB_ID=$lab_id, at most $(( guest_budget_s + 180 )) s)"
# the guest stops starting work after its budget; the boot's timeout leaves room to finish and halt
scripts/lab/boot.sh --timeout "$(( guest_budget_s + 180 ))" --run-dir "$checkout/.lab/runs/$lab_id" -- \
  node dist/bench/guest.js "$dir/guest-config.json"
lab_status=$?
say "guest done (status $lab_status)"

if [ "$fanout_counts" = none ]; then
  say "fan-out skipped (BENCH_FANOUT=none)"
elif [ "$(id -u)" -eq 0 ] && command -v unshare > /dev/null; then
  say "fan-out on this machine, inside unshare --net"
  timeout --kill-after=10 480 unshare --net -- node dist/bench/fanout.js --outer-netns "$(readlink /proc/self/ns/net)" \
    --dir "$dir" --counts "$fanout_counts" --repeats "$repeats" --ansible-repeats "$ansible_repeats"
  say "fan-out done (status $?)"
else
  echo "bench: the fan-out needs root (unshare --net): skipped" >&2
fi

rm -f "$dir/cli.json"
if [ "${BENCH_CLI:-1}" = none ]; then
  say "the CLI's start-up skipped (BENCH_CLI=none)"
else
  say "the CLI's start-up against node -e 0 (this machine; the packaged executables built first)"
  packaged="$checkout/dist/release/linux-$(node -p process.arch)/lvsctl"
  timeout 300 node dist/scripts/package/build.js --no-deb > "$checkout/.lab/bench-package.log" 2>&1 \
    || { echo "bench: building the packaged executables failed (see .lab/bench-package.log); only dist/ is measured" >&2; packaged=""; }
  timeout 300 node dist/bench/cli-startup.js --dir "$dir" ${packaged:+--packaged "$packaged"} || echo "bench: the CLI start-up was not measured" >&2
fi

node dist/bench/report.js --dir "$dir" --out "$out" --total-s "$(( $(date +%s) - started ))" --lab-status "$lab_status" \
  || { echo "bench: writing $out failed" >&2; exit 1; }
say "done"
