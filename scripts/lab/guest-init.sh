#!/bin/bash
# PID 1 of the lab guest (a user-mode-linux kernel whose root is the host's / via hostfs).
# boot.sh puts `lab_run=<host run dir>` on the kernel line; the kernel hands unknown
# key=value words to init as environment. Everything we report goes to files in that
# directory because the guest's exit status never reaches the host.
# No `set -e`: PID 1 must reach `halt -f` whatever happens, or the kernel panics.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8

# These markers let boot.sh cut the kernel's boot chatter out of what the user sees.
BEGIN_MARK='=== lab guest: begin ==='
END_MARK='=== lab guest: end ==='

finish() {
  sync
  echo "$END_MARK"
  halt -f
  # halt -f does not return; if it does, the host's timeout will report the hang.
  sleep 3600
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs -o mode=755 tmpfs /run
# The guest gets its own /tmp. A checkout that lives under the host's /tmp (a CI clone may)
# would vanish under it, and with it the run dir: keep its top directory visible at the same
# path by a bind mount across the new tmpfs.
keep=""
case "$lab_run" in
  /tmp/?*) keep="/tmp/$(echo "${lab_run#/tmp/}" | cut -d/ -f1)" ;;
esac
if [ -n "$keep" ]; then
  mkdir -p /run/lab-keep && mount --bind "$keep" /run/lab-keep
fi
mount -t tmpfs -o mode=1777 tmpfs /tmp
if [ -n "$keep" ]; then
  mkdir -p "$keep" && mount --bind /run/lab-keep "$keep"
fi
mkdir -p /run/netns
# Kernel messages (IPVS: ..., bridge: ...) would interleave with the command's output.
echo 1 > /proc/sys/kernel/printk

if [ -z "$lab_run" ] || [ ! -d "$lab_run" ]; then
  echo "lab guest: lab_run='$lab_run' is not a directory; boot.sh must pass it" >&2
  finish
fi
date +%s.%N > "$lab_run/booted"
echo "$BEGIN_MARK"

# Modules come from the UML package without touching the host's /lib/modules:
# modprobe -d takes a root under which it looks for lib/modules/<release>.
mkdir -p /tmp/kmod/lib && ln -s /usr/lib/uml/modules /tmp/kmod/lib/modules
REQUIRED_MODULES=(
  ip_vs ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_lblc ip_vs_lblcr ip_vs_dh ip_vs_sh
  ip_vs_sed ip_vs_nq ip_vs_fo ip_vs_ovf ip_vs_mh ip_vs_ftp
  veth bridge ip_tables iptable_mangle iptable_filter xt_mark xt_multiport xt_tcpudp
)
# IPv6 fwmark rules and ipip (for tun destinations) are nice to have, not required.
OPTIONAL_MODULES=(ip6_tables ip6table_mangle ipip)
if ! modprobe -a -d /tmp/kmod "${REQUIRED_MODULES[@]}" > "$lab_run/modules.log" 2>&1; then
  echo "lab guest: loading modules failed, see $lab_run/modules.log" >&2
  cat "$lab_run/modules.log" >&2
  echo "modules" > "$lab_run/failed-setup"
  finish
fi
modprobe -a -d /tmp/kmod "${OPTIONAL_MODULES[@]}" >> "$lab_run/modules.log" 2>&1

ip link set lo up
date +%s.%N > "$lab_run/ready"

# The command is NUL-separated argv, written by boot.sh; never re-parsed by a shell.
mapfile -d '' -t command < "$lab_run/command"
cd "$(cat "$lab_run/cwd")" || finish
export LAB_RUN_DIR="$lab_run" LAB_GUEST=1
if [ -f "$lab_run/env" ]; then
  # KEY=VALUE lines boot.sh chose to forward (CI, LAB_*), one per line.
  while IFS= read -r line; do export "${line?}"; done < "$lab_run/env"
fi

# Output goes to output.log on the host disk (it survives a hang) and live to the console.
# Not through a pipe: a daemon the command leaves behind would hold the pipe open forever.
"${command[@]}" < /dev/null > "$lab_run/output.log" 2>&1 &
command_pid=$!
tail -s 0.2 -n +1 --pid="$command_pid" -f "$lab_run/output.log" &
tail_pid=$!
wait "$command_pid"
status=$?
wait "$tail_pid"
echo "$status" > "$lab_run/status"
finish
