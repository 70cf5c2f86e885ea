#!/bin/sh
# Pid 1 of the bootstrap test's namespaces (unshare --net --mount --pid --fork): /etc, /usr and
# /var become overlays whose changes land in DIR (this machine's files stay untouched), the
# loopback gets ADDRESS/24, a user lvsctltest (uid 4242) exists, and sshd serves there with the test's throwaway config.
# Usage: namespace.sh DIR ADDRESS
set -eu
dir=$1
address=$2
for top in etc usr var; do
  mkdir -p "$dir/overlay/$top-upper" "$dir/overlay/$top-work"
  mount -t overlay overlay -o "lowerdir=/$top,upperdir=$dir/overlay/$top-upper,workdir=$dir/overlay/$top-work" "/$top"
done
# a login that is not root, known only in here (the overlay): the test of bootstrap refusing it
echo 'lvsctltest:x:4242:4242:lvsctl test:/tmp:/bin/sh' >> /etc/passwd
echo 'lvsctltest:*:19000:0:99999:7:::' >> /etc/shadow
mount -t tmpfs tmpfs /run
mkdir -p /run/sshd
ip link set lo up
ip addr add "$address/24" dev lo
echo ready > "$dir/namespace-ready"
exec /usr/sbin/sshd -D -e -f "$dir/sshd_config"
