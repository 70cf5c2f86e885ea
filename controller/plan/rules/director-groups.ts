// Director groups (docs/plan-reference.md, "Director groups"): each director of a group is
// a director of the plan and in one group only; a group serves at least one service and a
// service is served by one group; an address moves with one group only; a VRRP id is used
// once per interface (the plan's stand-in for the segment); priorities are all given or
// none, and differ. Every director of a group gets the same services and marks by
// construction (compile.ts), so a group cannot plan two tables.
import { canonicalAddress, sameAddress } from '../../../lvs/address';
import { isIpv6 } from '../../../lvs/model';
import { MAX_VRRP_ADDRESSES } from '../../../lvs/vrrp';
import { toPointer, type PlanProblem } from '../errors';
import { groupAddresses, groupServiceIndexes, serviceAddresses } from '../director-groups';
import { didYouMean } from './closest-name';
import type { PlanView } from './view';

type Problems = PlanProblem[];

function directorProblems(view: PlanView, problems: Problems): void {
  const groupOf = new Map<string, number>();
  const directors = [...view.hosts].filter(([, h]) => h.role === 'director').map(([n]) => n);
  view.groups.forEach((g, i) => {
    if (!g) return;
    const seen = new Set<string>();
    g.directors.forEach((d, k) => {
      const pointer = toPointer(['directorGroups', i, 'directors', k]);
      const host = view.hosts.get(d);
      if (!view.hostNames.has(d)) {
        problems.push({ pointer, message: `no host "${d}" in "hosts"`, hint: didYouMean(d, directors) ?? `add "${d}": { "role": "director", "address": "…" } to "hosts"` });
      } else if (host && host.role !== 'director') {
        problems.push({ pointer, message: `host "${d}" has role "${host.role}", not "director"`, hint: 'a group is made of directors' });
      }
      if (seen.has(d)) {
        problems.push({ pointer, message: `director "${d}" is listed twice in group "${g.name}"`, hint: 'list each director once' });
        return;
      }
      seen.add(d);
      const other = groupOf.get(d);
      if (other !== undefined && other !== i) {
        problems.push({
          pointer,
          message: `director "${d}" is already in group "${view.groups[other]?.name}" (/directorGroups/${other})`,
          hint: 'a director runs one keepalived with one sync daemon: put it in one group',
        });
      } else groupOf.set(d, i);
    });
    if (g.priorities) {
      const given = Object.keys(g.priorities);
      for (const name of given) {
        if (!g.directors.includes(name)) {
          problems.push({ pointer: toPointer(['directorGroups', i, 'priorities', name]), message: `"${name}" is not a director of group "${g.name}"`, hint: `give priorities to ${g.directors.join(', ')}` });
        }
      }
      const missing = g.directors.filter((d) => g.priorities?.[d] === undefined);
      if (missing.length > 0) {
        problems.push({ pointer: toPointer(['directorGroups', i, 'priorities']), message: `no priority for ${missing.join(', ')}`, hint: 'give every director of the group a priority, or remove "priorities" to order them by "directors"' });
      }
      const byValue = new Map<number, string>();
      for (const d of g.directors) {
        const p = g.priorities[d];
        if (p === undefined) continue;
        const first = byValue.get(p);
        if (first !== undefined) {
          problems.push({ pointer: toPointer(['directorGroups', i, 'priorities', d]), message: `${d} and ${first} both have priority ${p}: VRRP would pick the master by address`, hint: 'give each director its own priority' });
        } else byValue.set(p, d);
      }
    }
  });
}

function identityProblems(view: PlanView, problems: Problems): void {
  const names = new Map<string, number>();
  const routers = new Map<string, number>();
  view.groups.forEach((g, i) => {
    if (!g) return;
    const first = names.get(g.name);
    if (first !== undefined) {
      problems.push({ pointer: toPointer(['directorGroups', i, 'name']), message: `group name "${g.name}" is already used by /directorGroups/${first}`, hint: 'name each group once' });
    } else names.set(g.name, i);
    // keepalived ignores such an instance ("cannot use a loopback interface"): the addresses never come up
    if (g.interface === 'lo') {
      problems.push({ pointer: toPointer(['directorGroups', i, 'interface']), message: 'VRRP cannot run on the loopback device "lo": keepalived ignores the group\'s instance and its addresses never come up', hint: 'name the director interface on the segment the directors share, such as "eth0"' });
    }
    const key = `${g.interface} ${g.virtualRouterId}`;
    const same = routers.get(key);
    if (same !== undefined) {
      problems.push({
        pointer: toPointer(['directorGroups', i, 'virtualRouterId']),
        message: `virtualRouterId ${g.virtualRouterId} on ${g.interface} is already group "${view.groups[same]?.name}" (/directorGroups/${same}): two groups would take each other's adverts`,
        hint: 'give each group on a segment its own virtualRouterId (1..255)',
      });
    } else routers.set(key, i);
  });
}

function serviceProblems(view: PlanView, problems: Problems): void {
  const names = new Map<string, number>();
  view.services.forEach((s, i) => { if (s) names.set(s.name, i); });
  const servedBy = new Map<string, number>();
  let omitting: number | undefined;
  view.groups.forEach((g, i) => {
    if (!g) return;
    if (!g.services) {
      if (omitting !== undefined) {
        problems.push({ pointer: toPointer(['directorGroups', i]), message: `group "${g.name}" names no "services", and neither does /directorGroups/${omitting}: both cannot take every remaining service`, hint: 'list "services" in every group but one' });
      } else omitting = i;
    }
    (g.services ?? []).forEach((name, k) => {
      const pointer = toPointer(['directorGroups', i, 'services', k]);
      if (!names.has(name)) {
        if (view.complete.services) problems.push({ pointer, message: `no service "${name}"`, hint: didYouMean(name, names.keys()) ?? 'name a service of "services"' });
        return;
      }
      const other = servedBy.get(name);
      if (other !== undefined) {
        problems.push({ pointer, message: `service "${name}" is already served by group "${view.groups[other]?.name}"`, hint: 'a service is served by one group: its VIPs move with one master' });
      } else servedBy.set(name, i);
    });
    if (view.complete.services && groupServiceIndexes(g, view.groups, view.services).length === 0) {
      problems.push({ pointer: toPointer(['directorGroups', i]), message: `group "${g.name}" serves no service`, hint: 'list its services in "services", or remove the group' });
    }
  });
}

function addressProblems(view: PlanView, problems: Problems): void {
  const owner = new Map<string, number>();
  const directorAddresses = new Set([...view.hosts.values()].filter((h) => h.role === 'director' && h.address).map((h) => canonicalAddress(h.address as string)));
  view.groups.forEach((g, i) => {
    if (!g) return;
    const services = groupServiceIndexes(g, view.groups, view.services).map((k) => view.services[k]).filter((s) => s !== undefined);
    const moved = groupAddresses(g, services, view.marks);
    // what the agent takes (lvs/wire/vrrp-codec.ts): one address at least, at most MAX_VRRP_ADDRESSES
    if (g.addresses !== undefined && moved.length === 0) {
      problems.push({ pointer: toPointer(['directorGroups', i, 'addresses']), message: `group "${g.name}" moves no address: keepalived would have nothing to hand over`, hint: 'list the VIPs in "addresses", or remove "addresses" to move every VIP of the group' });
    } else if (moved.length > MAX_VRRP_ADDRESSES) {
      problems.push({
        pointer: toPointer(['directorGroups', i, g.addresses ? 'addresses' : 'services']),
        message: `group "${g.name}" would move ${moved.length} addresses${g.natGateway ? ' (its natGateway included)' : ''}; a group moves at most ${MAX_VRRP_ADDRESSES}`,
        hint: 'split its services over two groups (each its own virtualRouterId), or list fewer in "addresses"',
      });
    }
    for (const address of moved) {
      const other = owner.get(canonicalAddress(address));
      if (other !== undefined && other !== i) {
        problems.push({
          pointer: toPointer(['directorGroups', i, g.natGateway !== undefined && sameAddress(g.natGateway, address) ? 'natGateway' : 'addresses']),
          message: `address ${address} moves with group "${view.groups[other]?.name}" already (/directorGroups/${other})`,
          hint: 'an address belongs to one group: two masters would answer for it',
        });
      } else owner.set(canonicalAddress(address), i);
    }
    // keepalived runs VRRPv3 over IPv6 for a group that moves no IPv4 address, and VRRPv3 has no authentication
    if (g.authentication !== undefined && moved.length > 0 && moved.every(isIpv6)) {
      problems.push({
        pointer: toPointer(['directorGroups', i, 'authentication']),
        message: `group "${g.name}" moves only IPv6 addresses, so keepalived runs VRRP version 3 over IPv6 for it, which has no authentication: keepalived refuses the password`,
        hint: 'remove "authentication" (keep the VRRP segment to the directors), or give the group an IPv4 address to move',
      });
    }
    if (g.natGatewayInterface !== undefined && !g.natGateway) {
      problems.push({ pointer: toPointer(['directorGroups', i, 'natGatewayInterface']), message: `group "${g.name}" has a natGatewayInterface but no natGateway to put on it`, hint: 'add "natGateway" (the floating inside address), or remove "natGatewayInterface"' });
    }
    if (g.natGateway && directorAddresses.has(canonicalAddress(g.natGateway))) {
      problems.push({ pointer: toPointer(['directorGroups', i, 'natGateway']), message: `natGateway ${g.natGateway} is a director's own address: it would not move on a failover`, hint: 'use a floating address of the inside network that no host owns' });
    }
    if (g.addresses) {
      const listed = new Set(g.addresses.map(canonicalAddress));
      const left = [...new Map(services.flatMap((s) => serviceAddresses(s, view.marks)).map((a) => [canonicalAddress(a), a] as const)).entries()]
        .filter(([key]) => !listed.has(key)).map(([, a]) => a);
      if (left.length > 0) {
        problems.push({ pointer: toPointer(['directorGroups', i, 'addresses']), severity: 'warning', message: `${left.join(', ')} of the group's services ${left.length === 1 ? 'is' : 'are'} not in "addresses": it stays where the operator put it on a failover`, hint: 'add it, or remove "addresses" to move every VIP of the group' });
      }
    }
    if (!g.natGateway && services.some((s) => s.forwarding === 'nat')) {
      problems.push({ pointer: toPointer(['directorGroups', i]), severity: 'warning', message: `group "${g.name}" has NAT services but no natGateway: their realservers route through one director's own address, which does not move on a failover`, hint: 'add "natGateway": a floating inside address, and route the realservers through it' });
    }
  });
}

export function directorGroupProblems(view: PlanView): PlanProblem[] {
  if (view.groups.length === 0) return [];
  const problems: Problems = [];
  identityProblems(view, problems);
  directorProblems(view, problems);
  serviceProblems(view, problems);
  addressProblems(view, problems);
  return problems;
}
