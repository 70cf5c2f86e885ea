// keepalived.conf as the agent writes it for a director in a group: VRRP only (one
// vrrp_instance, its addresses, the notify script) and lvs_sync_daemon in global_defs so
// the kernel's sync daemon follows the VRRP state (inside vrrp_instance keepalived 2.2
// refuses it as an unknown keyword). No virtual_server: the IPVS table stays lvsctl's.
// The first line carries a digest of the rest, so the agent knows its own file and sees
// a hand edit. Pure.
import { createHash } from 'node:crypto';
import { canonicalAddress } from '../../lvs/address';
import { isIpv6 } from '../../lvs/model';
import type { VrrpPlan } from '../../lvs/vrrp';

const HEADER_PREFIX = '# Written by lvsctl-agent; sha256 ';
const HEADER = new RegExp(`^${HEADER_PREFIX.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([0-9a-f]{64})\\n`);

export type ConfigOwnership = 'absent' | 'owned' | 'edited' | 'foreign';

/** The vrrp_instance's name: the plan's group, so each director of a group names it alike. */
export function instanceName(vrrp: Pick<VrrpPlan, 'group'>): string {
  return `LVSCTL_${vrrp.group}`;
}

function digest(body: string): string {
  return createHash('sha256').update(body).digest('hex');
}

function quoted(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function renderKeepalivedConfig(vrrp: VrrpPlan, notifyScript: string): string {
  const name = instanceName(vrrp);
  const v4 = vrrp.addresses.filter((a) => !isIpv6(a));
  const v6 = vrrp.addresses.filter(isIpv6);
  // keepalived puts each address, and sends its gratuitous ARP on a failover, on its dev
  const gateway = vrrp.natGatewayOn ? canonicalAddress(vrrp.natGatewayOn.address) : undefined;
  const device = (a: string): string => (gateway !== undefined && canonicalAddress(a) === gateway ? vrrp.natGatewayOn!.interface : vrrp.interface);
  const lines = [
    `# Director group "${vrrp.group}": change the plan and roll out, not this file.`,
    'global_defs {',
    // the notify script runs as root, and keepalived checks nobody else can write it or its directories
    '    script_user root',
    '    enable_script_security',
    `    lvs_sync_daemon ${vrrp.syncInterface} ${name} id ${vrrp.syncId}`,
    '}',
    '',
    `vrrp_instance ${name} {`,
    // BACKUP everywhere: the election, not the start order, picks the master (and nopreempt needs it).
    '    state BACKUP',
    `    interface ${vrrp.interface}`,
    `    virtual_router_id ${vrrp.virtualRouterId}`,
    `    priority ${vrrp.priority}`,
    `    advert_int ${vrrp.advertIntervalSeconds}`,
    ...(vrrp.preempt ? [] : ['    nopreempt']),
    // VRRPv2's PASS (an IPv4 instance); VRRPv3 has none, and the plan refuses a password for an IPv6-only group
    ...(vrrp.authPassword && v4.length > 0 ? ['    authentication {', '        auth_type PASS', `        auth_pass ${vrrp.authPassword}`, '    }'] : []),
    '    virtual_ipaddress {',
    ...v4.map((a) => `        ${a}/32 dev ${device(a)}`),
    // no IPv4 address: the IPv6 ones make it an IPv6 instance (VRRPv3); keepalived refuses one with none
    ...(v4.length === 0 ? v6.map((a) => `        ${a}/128 dev ${device(a)}`) : []),
    '    }',
    // IPv4 adverts cannot carry IPv6 addresses; keepalived moves excluded ones with the state all the same.
    ...(v4.length > 0 && v6.length > 0 ? ['    virtual_ipaddress_excluded {', ...v6.map((a) => `        ${a}/128 dev ${device(a)}`), '    }'] : []),
    `    notify ${quoted(notifyScript)}`,
    '}',
    '',
  ];
  const body = lines.join('\n');
  return `${HEADER_PREFIX}${digest(body)}\n${body}`;
}

/** Whose file it is: the agent's as written, the agent's but edited since, or someone else's. */
export function configOwnership(text: string | undefined): ConfigOwnership {
  if (text === undefined) return 'absent';
  const m = HEADER.exec(text);
  if (!m) return 'foreign';
  return digest(text.slice(m[0].length)) === m[1] ? 'owned' : 'edited';
}

/**
 * The IPVS services a keepalived.conf defines ("virtual_server 10.0.0.100 80" and the like,
 * virtual_server_group blocks too), from its own text: keepalived deletes those from the
 * table when it reloads without them. Comments ("#", "!") are left out; included files
 * are not read.
 */
export function keepalivedVirtualServers(text: string): string[] {
  const found: string[] = [];
  for (const raw of text.split('\n')) {
    const words = raw.replace(/[#!].*$/, '').replace(/\{/g, ' ').trim().split(/\s+/);
    if (words[0] === 'virtual_server' || words[0] === 'virtual_server_group') found.push(words.join(' '));
  }
  return found;
}

/**
 * The files a keepalived.conf includes ("include conf.d/*.conf"), as written: the agent does
 * not read them, so it cannot say whether they define virtual servers.
 */
export function keepalivedIncludes(text: string): string[] {
  const found: string[] = [];
  for (const raw of text.split('\n')) {
    const words = raw.replace(/[#!].*$/, '').trim().split(/\s+/);
    if (words[0] === 'include') found.push(words.slice(1).join(' ') || '(nothing named)');
  }
  return found;
}
