// A realserver's hand commands: what its forwarding methods ask of it (the VIP on lo and the
// ARP sysctls for LVS-DR, the ipip device for LVS-TUN, the default route for LVS-NAT) and,
// for an FTP service, the passive range its FTP server must keep to. The same needs the
// realserver agent checks (agent/realserver), so render and rollout tell one story.
import type { RealserverDuty, RealserverPlan } from '../../lvs/host-plan';
import { isIpv6 } from '../../lvs/model';
import { uniqueLines } from './host-commands';
import { appendAll } from '../../lvs/append';
import { showControlCharacters } from '../../lvs/control-characters';

const TUNNEL_DEVICE = 'tunl0';

/** The VIP's address on a device: /32 (or /128) so the realserver never routes the VIP's subnet through it. */
function addAddress(vip: string, device: string): string {
  return isIpv6(vip) ? `ip -6 addr add ${vip}/128 dev ${device}` : `ip addr add ${vip}/32 dev ${device}`;
}

/** arp_ignore=1: answer ARP only for addresses of the asking interface; arp_announce=2: never announce the VIP. */
const ARP_SYSCTLS = [
  'sysctl -w net.ipv4.conf.all.arp_ignore=1',
  'sysctl -w net.ipv4.conf.all.arp_announce=2',
  'sysctl -w net.ipv4.conf.lo.arp_ignore=1',
  'sysctl -w net.ipv4.conf.lo.arp_announce=2',
];

function drCommands(duty: RealserverDuty): string[] {
  const lines = duty.vips.map((vip) => addAddress(vip, 'lo'));
  if (duty.vips.some((vip) => !isIpv6(vip))) appendAll(lines, ARP_SYSCTLS);
  return lines;
}

function tunCommands(duty: RealserverDuty): string[] {
  const lines = ['modprobe ipip', `ip link set ${TUNNEL_DEVICE} up`];
  for (const vip of duty.vips) {
    if (isIpv6(vip)) lines.push(`# ${vip}: IPv6 over LVS-TUN needs an ip6tnl device, which lvsctl does not set up`);
    else lines.push(addAddress(vip, TUNNEL_DEVICE));
  }
  // Decapsulated packets arrive on tunl0 from an address routed via eth0: strict rp_filter drops them.
  lines.push(`sysctl -w net.ipv4.conf.${TUNNEL_DEVICE}.rp_filter=0`, 'sysctl -w net.ipv4.conf.all.rp_filter=0');
  if (duty.vips.some((vip) => !isIpv6(vip))) appendAll(lines, ARP_SYSCTLS);
  return lines;
}

function natCommands(duty: RealserverDuty): string[] {
  const [first, ...others] = duty.directors;
  if (first === undefined) return ['# LVS-NAT: the default route must go through a director, but the plan names none'];
  // Answers must go back through the director, which rewrites them to come from the VIP.
  const lines = [isIpv6(first) ? `ip -6 route replace default via ${first}` : `ip route replace default via ${first}`];
  if (others.length > 0) lines.push(`# (or via ${others.join(', ')}: the director that holds the VIP)`);
  // A one-armed director's ICMPv6 redirect would send the answers to the client directly, un-NATed;
  // the kernel reads only the receiving interface's own switch (agent/realserver/redirect-checks.ts).
  if (isIpv6(first)) lines.push('# and on the interface toward the director (eth0 here): sysctl -w net.ipv6.conf.eth0.accept_redirects=0');
  return lines;
}

function ftpComment(plan: RealserverPlan, duty: RealserverDuty): string[] {
  if (duty.ftpPassivePorts === undefined) return [];
  const [min, max] = duty.ftpPassivePorts.split(':');
  const server = plan.ftp?.server;
  // the plan refuses a control character in the path; a newline here would end the comment line
  // eslint-disable-next-line no-control-regex
  const where = plan.ftp ? `${plan.ftp.server} (${showControlCharacters(plan.ftp.config)})` : 'the FTP server';
  const setting =
    server === 'pure-ftpd'
      ? `PassivePortRange ${min} ${max}`
      : server === 'vsftpd'
        ? `pasv_min_port=${min} and pasv_max_port=${max}`
        : `vsftpd: pasv_min_port=${min} and pasv_max_port=${max}; pure-ftpd: PassivePortRange ${min} ${max}`;
  return [`# FTP service ${duty.service}: ${where} must hand out passive ports inside ${duty.ftpPassivePorts}: ${setting}`];
}

export function realserverCommands(plan: RealserverPlan): string[] {
  if (plan.duties.length === 0) return ['# in no service of the plan: nothing to set'];
  const lines: string[] = [];
  for (const duty of plan.duties) {
    if (duty.forwarding === 'dr') appendAll(lines, drCommands(duty));
    else if (duty.forwarding === 'tun') appendAll(lines, tunCommands(duty));
    else appendAll(lines, natCommands(duty));
    appendAll(lines, ftpComment(plan, duty));
  }
  return uniqueLines(lines);
}
