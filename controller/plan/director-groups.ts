// What a director group means once defaults are filled in: its services, the addresses
// that move with its master, each director's priority. Pure; shared by the rules (which
// report what is wrong) and by compile (which trusts a validated plan).
import { canonicalAddress } from '../../lvs/address';
import type { PlanDirectorGroup } from './director-group-schema';

interface ServiceLike {
  name: string;
  vip?: string | undefined;
  fwmark?: number | undefined;
  forwarding: string;
}
interface MarkLike {
  mark: number;
  destination: string;
}

/** The priority each director gets: the plan's, else by order (100 + 10 per director after it). */
export function groupPriorities(group: Pick<PlanDirectorGroup, 'directors' | 'priorities'>): Map<string, number> {
  const n = group.directors.length;
  return new Map(group.directors.map((d, i) => [d, group.priorities?.[d] ?? 100 + 10 * (n - 1 - i)]));
}

/** The director with the highest priority: the master while every director lives. */
export function preferredMaster(group: Pick<PlanDirectorGroup, 'directors' | 'priorities'>): string {
  const priorities = groupPriorities(group);
  return [...priorities].reduce((best, next) => (next[1] > best[1] ? next : best))[0];
}

/**
 * The indexes of the services a group serves: those it names, or when it names none, every
 * service no other group names. Names that match no service are the rules' to report.
 */
export function groupServiceIndexes(
  group: Pick<PlanDirectorGroup, 'services'>,
  groups: ReadonlyArray<Pick<PlanDirectorGroup, 'services'> | undefined>,
  services: ReadonlyArray<ServiceLike | undefined>,
): number[] {
  const indexes: number[] = [];
  if (group.services) {
    const named = new Set(group.services);
    services.forEach((s, i) => { if (s && named.has(s.name)) indexes.push(i); });
    return indexes;
  }
  const namedElsewhere = new Set(groups.flatMap((g) => g?.services ?? []));
  services.forEach((s, i) => { if (s && !namedElsewhere.has(s.name)) indexes.push(i); });
  return indexes;
}

/** The client-facing addresses of a service: its VIP, or its mark rules' destinations. */
export function serviceAddresses(service: ServiceLike, marks: ReadonlyArray<MarkLike | undefined>): string[] {
  if (service.fwmark !== undefined) {
    return [...new Set(marks.filter((m): m is MarkLike => m?.mark === service.fwmark).map((m) => m.destination))];
  }
  return service.vip ? [service.vip] : [];
}

/**
 * Every address that moves with the group's master: the plan's list (or its services' VIPs),
 * then natGateway; each once, however spelt (2001:db8::1 and 2001:DB8:0::1 are one address:
 * the first spelling is kept), as the director agent refuses a repeated one.
 */
export function groupAddresses(
  group: Pick<PlanDirectorGroup, 'addresses' | 'natGateway'>,
  groupServices: ReadonlyArray<ServiceLike>,
  marks: ReadonlyArray<MarkLike | undefined>,
): string[] {
  const listed = group.addresses ?? groupServices.flatMap((s) => serviceAddresses(s, marks));
  const once = new Map<string, string>();
  for (const address of [...listed, ...(group.natGateway ? [group.natGateway] : [])]) {
    const key = canonicalAddress(address);
    if (!once.has(key)) once.set(key, address);
  }
  return [...once.values()];
}
