#!/usr/bin/env bash
# Installs the Debian packages the lab needs (docs/lab.md), only those missing.
# Run as root; used by .ci/run and by the README's set-up.
set -euo pipefail
# iptables brings both iptables-legacy* and iptables-nft* (and ip6tables-*): the lab uses
# legacy, test/integration/nft-marks.test.ts the nft tools in an `unshare --net` namespace.
# keepalived and ansible-core: the baselines of `npm run bench` (bench/run.sh, docs/benchmarks.md)
# systemd: systemd-notify (the agent's readiness, test/unit/systemd/) and systemd-analyze;
# binutils: strip, for smaller executables in npm run package (optional there)
packages=(user-mode-linux ipvsadm iptables kmod iproute2 procps vsftpd python3 keepalived ansible-core systemd binutils)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing packages: ${missing[*]}; run as root: apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
