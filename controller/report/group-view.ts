// What `lvsctl status` and `lvsctl health` say about each director group: who is master
// (none, one, or more than one: split brain), each director's VRRP state as keepalived
// reported it, and whether the directors hold the same table. Pure.
import { serviceKeyString, destinationKeyString } from '../../lvs/model';
import type { ServiceCounters } from '../../lvs/status';
import type { VrrpStatus } from '../../lvs/vrrp';

export interface GroupMember {
  host: string;
  /** undefined: the agent did not answer */
  vrrp?: VrrpStatus;
  /** the director's live table; undefined when not read */
  services?: readonly ServiceCounters[];
  /** why there is no answer */
  unreachable?: string;
}

export interface GroupView {
  group: string;
  /** every director whose keepalived says MASTER */
  masters: string[];
  states: Array<{ host: string; state: string }>;
  /** undefined: fewer than two tables could be read */
  tablesMatch?: boolean;
  /** the directors whose table differs from the master's (or the first one read) */
  differing: string[];
  /** what is wrong, one phrase each: split brain, no master, a config not lvsctl's */
  problems: string[];
}

/** The managed part of a table, as text: services with their settings and destinations with weights. */
export function tableSignature(services: readonly ServiceCounters[]): string {
  return services
    .filter((s) => s.managed)
    .map((s) => {
      const p = s.service.persistence;
      const head = `${serviceKeyString(s.service.key)} ${s.service.scheduler} ${s.service.flags.join(',')} ${p ? `p${p.timeout}/${p.netmask ?? ''}` : ''}`;
      const dests = s.destinations.map((d) => `${destinationKeyString(d.destination)} ${d.destination.forwarding} w${d.destination.weight}`).sort();
      return `${head} [${dests.join('; ')}]`;
    })
    .sort()
    .join('\n');
}

export function groupView(group: string, members: readonly GroupMember[]): GroupView {
  const states = members.map((m) => ({ host: m.host, state: m.unreachable !== undefined ? 'unreachable' : (m.vrrp?.state ?? 'not in the group yet') }));
  const masters = members.filter((m) => m.vrrp?.state === 'MASTER').map((m) => m.host);
  const problems: string[] = [];
  if (masters.length > 1) problems.push(`split brain: ${masters.join(' and ')} are all MASTER`);
  if (masters.length === 0) problems.push('no director is MASTER: the addresses are not served');
  for (const m of members) {
    if (m.vrrp && !m.vrrp.configOwned) problems.push(`${m.host}: keepalived.conf is not the one lvsctl wrote`);
    if (m.vrrp?.state === 'FAULT') problems.push(`${m.host}: keepalived is in FAULT (its interface or a tracked check is down)`);
    if (m.vrrp?.state === 'STOPPED') problems.push(`${m.host}: keepalived is not running`);
  }
  const read = members.filter((m) => m.services !== undefined);
  let tablesMatch: boolean | undefined;
  const differing: string[] = [];
  if (read.length >= 2) {
    const reference = read.find((m) => masters.includes(m.host)) ?? read[0];
    const expected = tableSignature(reference.services ?? []);
    for (const m of read) if (tableSignature(m.services ?? []) !== expected) differing.push(m.host);
    tablesMatch = differing.length === 0;
    if (!tablesMatch) problems.push(`tables differ: ${differing.join(', ')} ${differing.length === 1 ? 'holds' : 'hold'} another table than ${reference.host}`);
  }
  return { group, masters, states, ...(tablesMatch !== undefined ? { tablesMatch } : {}), differing, problems };
}

/** One line a group, then its problems indented. */
export function renderGroupViews(views: readonly GroupView[]): string {
  if (views.length === 0) return '';
  const lines = views.map((v) => {
    const master = v.masters.length === 1 ? `master ${v.masters[0]}` : v.masters.length === 0 ? 'NO MASTER' : `SPLIT BRAIN (${v.masters.join(', ')})`;
    const tables = v.tablesMatch === undefined ? 'tables not compared (fewer than two read)' : v.tablesMatch ? 'tables match' : 'TABLES DIFFER';
    const states = v.states.map((s) => `${s.host} ${s.state}`).join(', ');
    return [`group ${v.group}: ${master}; ${tables} (${states})`, ...v.problems.map((p) => `  ${p}`)].join('\n');
  });
  return `${lines.join('\n')}\n`;
}

/** The directors a group's problems are about, for the exit code. */
export function troubledDirectors(view: GroupView, members: readonly GroupMember[]): string[] {
  if (view.problems.length === 0) return [];
  return members.filter((m) => m.unreachable === undefined).map((m) => m.host);
}
