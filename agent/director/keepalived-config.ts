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

/**
 * The addresses the group's VRRP adverts carry. keepalived's backups drop every advert whose
 * address list differs from their own, and a backup that hears no advert takes the addresses:
 * were every address advertised, each VIP added or removed would make two masters for as long
 * as one director of the pair has the new file and the other the old. So the adverts carry what
 * the file there advertised already (`before`: an agent's file of an earlier version lists every
 * address), as long as the group still moves it, and a new file one address: the group's first
 * IPv4 one, or with none its first IPv6 one (an IPv6 instance, VRRPv3). The others move as
 * virtual_ipaddress_excluded (taken and given up with the state, gratuitous ARPs sent alike,
 * never advertised); only an advertised address leaving the group changes the adverts
 * (vrrp-step.ts says so when it comes).
 */
export function advertisedAddresses(vrrp: Pick<VrrpPlan, 'addresses'>, before: readonly string[] = []): string[] {
  const moved = new Map(vrrp.addresses.map((a) => [canonicalAddress(a), a]));
  const kept = before.flatMap((a) => {
    const planned = moved.get(canonicalAddress(a));
    return planned === undefined ? [] : [planned];
  });
  // one instance is one family: the first kept address's
  const family = kept.length > 0 ? isIpv6(kept[0]) : undefined;
  const sameFamily = kept.filter((a) => isIpv6(a) === family);
  if (sameFamily.length > 0) return sameFamily;
  const first = vrrp.addresses.find((a) => !isIpv6(a)) ?? vrrp.addresses[0];
  return first === undefined ? [] : [first];
}

/** advertisedBefore: the addresses the file there advertises (advertIdentity), kept while the group moves them. */
export function renderKeepalivedConfig(vrrp: VrrpPlan, notifyScript: string, advertisedBefore: readonly string[] = []): string {
  const name = instanceName(vrrp);
  // keepalived puts each address, and sends its gratuitous ARP on a failover, on its dev
  const gateway = vrrp.natGatewayOn ? canonicalAddress(vrrp.natGatewayOn.address) : undefined;
  const device = (a: string): string => (gateway !== undefined && canonicalAddress(a) === gateway ? vrrp.natGatewayOn!.interface : vrrp.interface);
  const entry = (a: string): string => `${a}/${isIpv6(a) ? 128 : 32} dev ${device(a)}`;
  const advertised = advertisedAddresses(vrrp, advertisedBefore);
  const excluded = vrrp.addresses.filter((a) => !advertised.includes(a));
  // VRRPv2's PASS for an IPv4 instance (its advertised address IPv4); VRRPv3 has none
  const ipv4Instance = advertised.length > 0 && !isIpv6(advertised[0]);
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
    ...(vrrp.authPassword && ipv4Instance ? ['    authentication {', '        auth_type PASS', `        auth_pass ${vrrp.authPassword}`, '    }'] : []),
    // the advertised addresses, the rest excluded (advertisedAddresses above)
    '    virtual_ipaddress {',
    ...advertised.map((a) => `        ${entry(a)}`),
    '    }',
    ...(excluded.length > 0 ? ['    virtual_ipaddress_excluded {', ...excluded.map((a) => `        ${entry(a)}`), '    }'] : []),
    `    notify ${quoted(notifyScript)}`,
    '}',
    '',
  ];
  const body = lines.join('\n');
  return `${HEADER_PREFIX}${digest(body)}\n${body}`;
}

/** What a backup compares in every advert it hears: a difference in any of these makes it drop the master's adverts. */
export interface AdvertIdentity {
  virtualRouterId: string;
  advertInterval: string;
  password: string;
  advertised: string[];
}

/**
 * The advert identity of the group's instance in a keepalived.conf this agent wrote (its own
 * layout: one value a line); undefined when the file holds no instance of that name.
 */
export function advertIdentity(text: string, vrrp: Pick<VrrpPlan, 'group'>): AdvertIdentity | undefined {
  const lines = text.split('\n').map((l) => l.trim());
  const start = lines.indexOf(`vrrp_instance ${instanceName(vrrp)} {`);
  if (start < 0) return undefined;
  const identity: AdvertIdentity = { virtualRouterId: '', advertInterval: '', password: '', advertised: [] };
  // the block each line is in: the instance's own (''), or a block inside it (authentication, virtual_ipaddress…)
  let block = '';
  for (const line of lines.slice(start + 1)) {
    const [key, value = ''] = line.split(/\s+/);
    if (line === '}') {
      if (block === '') break;
      block = '';
    } else if (line.endsWith('{')) {
      block = key;
    } else if (block === 'virtual_ipaddress') {
      identity.advertised.push(key);
    } else if (key === 'virtual_router_id') {
      identity.virtualRouterId = value;
    } else if (key === 'advert_int') {
      identity.advertInterval = value;
    } else if (key === 'auth_pass') {
      identity.password = value;
    }
  }
  return identity;
}

/**
 * What changes in the adverts between two of the agent's files, as words for the operator;
 * empty when a backup with one file still takes the adverts of a master with the other.
 */
export function advertIdentityChanges(before: AdvertIdentity, after: AdvertIdentity): string[] {
  const changes: string[] = [];
  if (before.virtualRouterId !== after.virtualRouterId) changes.push(`virtual_router_id ${before.virtualRouterId} → ${after.virtualRouterId}`);
  if (before.advertInterval !== after.advertInterval) changes.push(`advert_int ${before.advertInterval} → ${after.advertInterval}`);
  if (before.password !== after.password) changes.push('the authentication password');
  if (before.advertised.join(' ') !== after.advertised.join(' ')) {
    changes.push(`the advertised address ${before.advertised.join(' ') || '(none)'} → ${after.advertised.join(' ') || '(none)'}`);
  }
  return changes;
}

/**
 * The addresses the file there advertises for this group, as the next render keeps them
 * (renderKeepalivedConfig's advertisedBefore): none from a file that is not the agent's.
 */
export function advertisedBeforeIn(text: string | undefined, vrrp: Pick<VrrpPlan, 'group'>): { adverts: AdvertIdentity | undefined; advertised: string[] } {
  const adverts = text !== undefined && configOwnership(text) !== 'foreign' ? advertIdentity(text, vrrp) : undefined;
  return { adverts, advertised: (adverts?.advertised ?? []).map((entry) => entry.split('/')[0] ?? '') };
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
