#!/bin/bash
# Runs INSIDE the lab guest (scripts/lab/boot.sh -- scripts/lab/capture-fixtures.sh):
# builds a small DR cluster, loads IPVS and mangle tables by hand and saves what the real
# tools print into test/fixtures/captured/, so parser tests run against real output.
# test/fixtures/captured/README.md lists every command; keep the two in step.
set -u
out="${1:-test/fixtures/captured}"
mkdir -p "$out"
VIP=10.0.0.100

# cap FILE CMD...: stdout to FILE; stderr and exit status beside it only if non-empty/non-zero.
cap() {
  local file="$1"; shift
  "$@" > "$out/$file" 2> "$out/$file.stderr"
  local status=$?
  [ -s "$out/$file.stderr" ] || rm -f "$out/$file.stderr"
  if [ $status -ne 0 ]; then echo "$status" > "$out/$file.status"; else rm -f "$out/$file.status"; fi
  echo "captured $file (exit $status)"
}
in_ns() { local ns="$1"; shift; ip netns exec "$ns" "$@"; }

# --- topology: bridge, director d, realservers r1 r2, client c (all inside the guest) ---
ip link add br0 type bridge && ip link set br0 up
add_host() { # name ipv4 [ipv6]
  ip netns add "$1"
  ip link add "veth-$1" type veth peer name eth0 netns "$1"
  ip link set "veth-$1" master br0 up
  in_ns "$1" ip link set lo up
  in_ns "$1" ip addr add "$2/24" dev eth0
  [ -n "${3:-}" ] && in_ns "$1" ip -6 addr add "$3/64" dev eth0 nodad
  in_ns "$1" ip link set eth0 up
}
add_host d 10.0.0.1 2001:db8::1
add_host r1 10.0.0.11 2001:db8::11
add_host r2 10.0.0.12 2001:db8::12
add_host c 10.0.0.200
in_ns d ip addr add "$VIP/24" dev eth0
in_ns d ip addr add 10.0.0.101/24 dev eth0
for r in r1 r2; do
  in_ns "$r" ip addr add "$VIP/32" dev lo
  for k in all eth0; do
    in_ns "$r" sysctl -qw "net.ipv4.conf.$k.arp_ignore=1" "net.ipv4.conf.$k.arp_announce=2"
  done
  in_ns "$r" node -e "require('http').createServer((q,s)=>s.end('$r\n')).listen(80)" &
done
# node starts slowly in UML (seconds under load): wait until both listen.
for r in r1 r2; do
  for i in $(seq 1 100); do in_ns "$r" ss -ltn | grep -q ":80 " && break; sleep 0.3; done
done

# --- versions ---
cap versions.txt bash -c 'ipvsadm --version; iptables-legacy --version; iptables --version; uname -r'
cap iptables-nft-mangle-error.txt in_ns d iptables-nft -t mangle -S

# --- an IPVS table with every kind of service ---
ipvs_rules=$(cat <<RULES
-A -t $VIP:80 -s wlc -p 360 -M 255.255.255.0
-a -t $VIP:80 -r 10.0.0.11:80 -g -w 3
-a -t $VIP:80 -r 10.0.0.12:80 -g -w 1
-A -t $VIP:0 -s rr -p 600
-a -t $VIP:0 -r 10.0.0.11:0 -g -w 1
-a -t $VIP:0 -r 10.0.0.12:0 -g -w 1
-A -f 1 -s rr -p 360
-a -f 1 -r 10.0.0.11:0 -g -w 1
-a -f 1 -r 10.0.0.12:0 -g -w 1
-A -t 10.0.0.101:8080 -s sh -b sh-port
-a -t 10.0.0.101:8080 -r 10.0.0.11:8080 -m -w 2
-a -t 10.0.0.101:8080 -r 10.0.0.12:8080 -i -w 5
-a -t 10.0.0.101:8080 -r 10.0.0.13:8080 -g -w 0
-A -u $VIP:53 -s wrr
-a -u $VIP:53 -r 10.0.0.11:53 -m -w 1
RULES
)
echo "$ipvs_rules" > "$out/ipvs-restore-input.txt"
cap ipvs-restore.txt in_ns d ipvsadm -R < "$out/ipvs-restore-input.txt"
# IPv6 fwmark service, separately: the ipv6 module may refuse it without failing the rest.
cap ipvs-restore-ipv6.txt in_ns d bash -c 'ipvsadm -A -f 2 -6 -s rr && ipvsadm -a -f 2 -6 -r "[2001:db8::11]:0" -g -w 1 && ipvsadm -a -f 2 -6 -r 2001:db8::12 -g -w 2'

# Real traffic so -Lcn has entries: persistent port 80 service (template + connection),
# and the PCC port-0 service (any other port; the realserver answers RST, the template stays).
for i in 1 2 3; do
  timeout 60 ip netns exec c node -e "require('http').get('http://$VIP/', r => { r.resume(); r.on('end', () => {}) }).on('error', e => { console.error(e.message); process.exit(1) })"
done
tcp_touch() { # ns host port: open and close one TCP connection, refused is fine
  timeout 60 ip netns exec "$1" node -e "const s = require('net').connect($3, '$2'); s.on('connect', () => s.end()); s.on('error', () => {}); s.on('close', () => process.exit(0))"
}
tcp_touch c $VIP 8081

cap ipvsadm-S-n.txt in_ns d ipvsadm -S -n
cap ipvsadm-Ln-exact.txt in_ns d ipvsadm -Ln --exact
cap ipvsadm-Ln-stats-exact.txt in_ns d ipvsadm -Ln --stats --exact
cap ipvsadm-Lcn.txt in_ns d ipvsadm -Lcn
cap ipvsadm-L-timeout.txt in_ns d ipvsadm -L --timeout

# --- iptables (legacy) mangle: a seed-style rule in PREROUTING, then the owned chain ---
in_ns d iptables-legacy -t mangle -A PREROUTING -d $VIP/32 -p tcp -m tcp --dport 8443 -j MARK --set-mark 9
cat > "$out/iptables-restore-input.txt" <<RULES
*mangle
:LVSCTL-MARK - [0:0]
-A PREROUTING -j LVSCTL-MARK
-A LVSCTL-MARK -d $VIP/32 -p tcp -m tcp --dport 21 -j MARK --set-mark 3
-A LVSCTL-MARK -d $VIP/32 -p tcp -m multiport --dports 80,443 -j MARK --set-mark 1
-A LVSCTL-MARK -d $VIP/32 -p tcp -m tcp --dport 10000:12000 -j MARK --set-mark 3
-A LVSCTL-MARK -d $VIP/32 -i eth0 -p udp -m udp --dport 53 -j MARK --set-mark 4
COMMIT
RULES
cap iptables-restore.txt in_ns d iptables-legacy-restore --noflush < "$out/iptables-restore-input.txt"
cap iptables-legacy-save-mangle.txt in_ns d iptables-legacy-save -t mangle
# Traffic to 443 now carries mark 1: the FWM 1 service takes it (template with port 0),
# ahead of the PCC service on the same VIP.
tcp_touch c $VIP 443
cap ipvsadm-Lcn-with-fwmark.txt in_ns d ipvsadm -Lcn

# Fact: does a --noflush restore that declares :LVSCTL-MARK again flush the chain's rules?
cat > "$out/iptables-restore-redeclare-input.txt" <<RULES
*mangle
:LVSCTL-MARK - [0:0]
-A LVSCTL-MARK -d $VIP/32 -p tcp -m tcp --dport 25 -j MARK --set-mark 5
COMMIT
RULES
cap iptables-restore-redeclare.txt in_ns d iptables-legacy-restore --noflush < "$out/iptables-restore-redeclare-input.txt"
cap iptables-legacy-save-mangle-after-redeclare.txt in_ns d iptables-legacy-save -t mangle
# And a restore that adds a rule WITHOUT declaring the chain: appended or refused?
printf '*mangle\n-A LVSCTL-MARK -d %s/32 -p tcp -m tcp --dport 26 -j MARK --set-mark 6\nCOMMIT\n' "$VIP" \
  > "$out/iptables-restore-undeclared-input.txt"
cap iptables-restore-undeclared.txt in_ns d iptables-legacy-restore --noflush < "$out/iptables-restore-undeclared-input.txt"
cap iptables-legacy-save-mangle-after-undeclared.txt in_ns d iptables-legacy-save -t mangle
# Restoring the PREROUTING jump twice: does it duplicate?
printf '*mangle\n-A PREROUTING -j LVSCTL-MARK\nCOMMIT\n' | in_ns d iptables-legacy-restore --noflush
cap iptables-legacy-save-mangle-after-second-jump.txt in_ns d iptables-legacy-save -t mangle
cap iptables-legacy-mangle-S.txt in_ns d iptables-legacy -t mangle -S
cap iptables-legacy-mangle-check-jump.txt in_ns d iptables-legacy -t mangle -C PREROUTING -j LVSCTL-MARK
cap iptables-legacy-mangle-check-missing.txt in_ns d iptables-legacy -t mangle -C PREROUTING -j LVSCTL-NOPE

# --- a realserver's view: addresses, routes, ARP sysctls ---
cap r1-ip-j-addr-show.txt in_ns r1 ip -j addr show
cap r1-ip-j-route-show.txt in_ns r1 ip -j route show
cap r1-ip-j-6-route-show.txt in_ns r1 ip -j -6 route show
cap r1-sysctl-arp.txt in_ns r1 bash -c 'sysctl -a 2>/dev/null | grep -E "\.arp_(ignore|announce) "'
cap client-sysctl-arp-defaults.txt in_ns c bash -c 'sysctl -a 2>/dev/null | grep -E "\.arp_(ignore|announce) "'
cap d-ip-j-addr-show.txt in_ns d ip -j addr show
cap d-sysctl-ip-forward.txt in_ns d sysctl net.ipv4.ip_forward

# --- ipvsadm -R failures: what is printed, and what is left in the kernel (atomic?) ---
run_failing_batch() { # name
  in_ns d ipvsadm -C
  in_ns d ipvsadm -A -t 10.0.0.100:80 -s rr
  in_ns d ipvsadm -a -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 1
  cap "ipvs-restore-fail-$1.txt" in_ns d ipvsadm -R < "$out/ipvs-restore-fail-$1-input.txt"
  cap "ipvs-restore-fail-$1-after-S-n.txt" in_ns d ipvsadm -S -n
}
cat > "$out/ipvs-restore-fail-noroute-input.txt" <<RULES
-A -t 10.0.0.102:80 -s rr
-a -t 10.0.0.102:80 -r 10.0.0.11:80 -g -w 1
-a -t 10.0.0.102:80 -r 192.168.77.5:80 -g -w 1
-a -t 10.0.0.102:80 -r 10.0.0.12:80 -g -w 1
-A -t 10.0.0.103:80 -s rr
-e -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 7
RULES
run_failing_batch noroute
cat > "$out/ipvs-restore-fail-scheduler-input.txt" <<RULES
-A -t 10.0.0.104:80 -s rr
-A -t 10.0.0.105:80 -s nosuch
-A -t 10.0.0.106:80 -s rr
RULES
run_failing_batch scheduler
cat > "$out/ipvs-restore-fail-duplicate-input.txt" <<RULES
-A -t 10.0.0.107:80 -s rr
-A -t 10.0.0.100:80 -s rr
-A -t 10.0.0.108:80 -s rr
RULES
run_failing_batch duplicate
# -R's exit status is the LAST line's: a failing last line gives 255, a failing middle line 0.
cat > "$out/ipvs-restore-fail-last-input.txt" <<RULES
-A -t 10.0.0.109:80 -s rr
-A -t 10.0.0.110:80 -s nosuch
RULES
run_failing_batch last
# When is a DR destination refused? Not for a missing route (accepted above), but in a
# namespace whose lo is down (no local routing table yet) and for a multicast address.
cap ipvs-add-dr-noroute-single.txt in_ns d ipvsadm -a -t 10.0.0.100:80 -r 192.168.77.5:80 -g -w 1
cap ipvs-add-dr-multicast.txt in_ns d ipvsadm -a -t 10.0.0.100:80 -r 224.0.0.5:80 -g -w 1
ip netns add bare
in_ns bare ipvsadm -A -t 10.9.9.9:80 -s rr
cap ipvs-add-dr-lo-down.txt in_ns bare ipvsadm -a -t 10.9.9.9:80 -r 10.0.0.11:80 -g -w 1
in_ns bare ip link set lo up
cap ipvs-add-dr-lo-up.txt in_ns bare ipvsadm -a -t 10.9.9.9:80 -r 10.0.0.11:80 -g -w 1
# Unknown destination / service for -e and -d: what do they print?
cap ipvs-edit-missing-dest.txt in_ns d ipvsadm -e -t 10.0.0.100:80 -r 10.0.0.99:80 -g -w 1
cap ipvs-delete-missing-service.txt in_ns d ipvsadm -D -t 10.0.0.99:80

for ns in r1 r2; do kill $(ip netns pids "$ns") 2>/dev/null; done
echo "captures written to $out"
