#!/usr/bin/env bash
# Boot the lab guest (Debian's user-mode-linux kernel, host / as root via hostfs), run one
# command in it as root with IPVS modules loaded, and bring its exit status back.
#
#   scripts/lab/boot.sh [--timeout SECONDS] [--run-dir DIR] [--env NAME]... -- COMMAND [ARG]...
#
# COMMAND runs in the guest with the checkout as its working directory. Its output is
# shown live and kept, with the raw console, in the run directory (default
# .lab/runs/<time>-<pid>/, on the host disk: the guest's /tmp is its own tmpfs).
#
# Exit status: the command's own (0..199), or
#   200  the lab cannot boot (no linux.uml, the kernel never reached init, modules missing)
#   201  the guest hung and was killed by the timeout
#   202  the guest stopped without reporting a status (crashed)
# The reason for 200..202 is printed and left in <run dir>/reason.
set -uo pipefail

readonly EXIT_CANNOT_BOOT=200 EXIT_HUNG=201 EXIT_NO_RESULT=202
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
checkout="$(cd "$here/../.." && pwd)"

timeout_s=300
run_dir=""
forward_env=(CI)
while [ $# -gt 0 ]; do
  case "$1" in
    --timeout) timeout_s="$2"; shift 2 ;;
    --run-dir) run_dir="$2"; shift 2 ;;
    --env) forward_env+=("$2"); shift 2 ;;
    --) shift; break ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "boot.sh: unknown option '$1' (put the command after --)" >&2; exit 2 ;;
  esac
done
if [ $# -eq 0 ]; then
  echo "boot.sh: no command given; usage: scripts/lab/boot.sh [--timeout S] -- COMMAND [ARG]..." >&2
  exit 2
fi
if ! [[ "$timeout_s" =~ ^[0-9]+$ ]]; then
  echo "boot.sh: --timeout must be whole seconds, got '$timeout_s'" >&2
  exit 2
fi

[ -n "$run_dir" ] || run_dir="$checkout/.lab/runs/$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$run_dir" && run_dir="$(cd "$run_dir" && pwd)"
rm -f "$run_dir"/{booted,ready,status,reason,outcome,failed-setup,output.log,console.log}

report() { # outcome exit-code reason
  echo "$1" > "$run_dir/outcome"
  echo "$3" > "$run_dir/reason"
  echo "" >&2
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2
  echo "!!! LAB $1: $3" >&2
  echo "!!! run directory: $run_dir" >&2
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2
  exit "$2"
}

# The kernel command line is split on spaces: paths with whitespace cannot travel on it.
for p in "$checkout" "$run_dir"; do
  if [[ "$p" =~ [[:space:]] ]]; then
    report "CANNOT BOOT" $EXIT_CANNOT_BOOT "path '$p' contains whitespace; the kernel command line cannot carry it, move the checkout"
  fi
done

kernel="${LAB_KERNEL:-$(command -v linux.uml || true)}"
[ -n "$kernel" ] && [ -x "$kernel" ] || \
  report "CANNOT BOOT" $EXIT_CANNOT_BOOT "linux.uml not found; install it with: apt-get install -y user-mode-linux"
[ -d /usr/lib/uml/modules ] || \
  report "CANNOT BOOT" $EXIT_CANNOT_BOOT "/usr/lib/uml/modules is missing; reinstall the user-mode-linux package"

# UML backs guest memory with a file in TMPDIR; /dev/shm is fastest when it has room.
mem="${LAB_MEM_MB:-1024}"
mem_dir=/tmp
shm_free_kb="$(df --output=avail -k /dev/shm 2>/dev/null | tail -n 1 | tr -d ' ')"
if [[ "$shm_free_kb" =~ ^[0-9]+$ ]] && [ "$shm_free_kb" -gt $(( (mem + 512) * 1024 )) ]; then
  mem_dir=/dev/shm
fi
# UML's own runtime files (mconsole socket, pid) go here instead of ~/.uml.
uml_dir="$(mktemp -d /tmp/lvsctl-lab-uml.XXXXXX)"
trap 'rm -rf "$uml_dir"' EXIT

printf '%s\0' "$@" > "$run_dir/command"
echo "$checkout" > "$run_dir/cwd"
: > "$run_dir/env"
for name in "${forward_env[@]}"; do
  if [ -n "${!name+x}" ]; then printf '%s=%s\n' "$name" "${!name}" >> "$run_dir/env"; fi
done

echo "lab: booting $kernel (mem ${mem}M in $mem_dir, timeout ${timeout_s}s), run dir $run_dir" >&2
started=$(date +%s.%N)
# timeout signals the whole process group, so UML's helper processes die with it.
TMPDIR="$mem_dir" timeout --kill-after=10 "$timeout_s" "$kernel" \
    mem="${mem}M" root=/dev/root rootfstype=hostfs rootflags=/ rw \
    uml_dir="$uml_dir" umid=lab \
    init="$here/guest-init.sh" lab_run="$run_dir" \
    con=null con0=fd:0,fd:1 quiet </dev/null 2>&1 \
  | tee "$run_dir/console.log" \
  | awk '/^=== lab guest: begin ===/ {on=1; next} /^=== lab guest: end ===/ {on=0; next} on {print; fflush()}'
uml_status=${PIPESTATUS[0]}
elapsed=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
echo "lab: guest stopped after ${elapsed}s" >&2

if [ -f "$run_dir/status" ]; then
  status="$(cat "$run_dir/status")"
  echo "ok" > "$run_dir/outcome"
  exit "$status"
fi
if [ ! -f "$run_dir/booted" ]; then
  if [ "$uml_status" -eq 124 ] || [ "$uml_status" -eq 137 ]; then
    report "CANNOT BOOT" $EXIT_CANNOT_BOOT "the kernel did not reach init within ${timeout_s}s; see $run_dir/console.log"
  fi
  report "CANNOT BOOT" $EXIT_CANNOT_BOOT "the kernel exited ($uml_status) before init ran; see $run_dir/console.log"
fi
if [ -f "$run_dir/failed-setup" ]; then
  report "CANNOT BOOT" $EXIT_CANNOT_BOOT "the guest could not load its modules; see $run_dir/modules.log"
fi
if [ "$uml_status" -eq 124 ] || [ "$uml_status" -eq 137 ]; then
  report "HUNG" $EXIT_HUNG "the guest did not finish within ${timeout_s}s and was killed; see $run_dir/output.log"
fi
report "CRASHED" $EXIT_NO_RESULT "the guest stopped (status $uml_status) without reporting a result; see $run_dir/console.log"
