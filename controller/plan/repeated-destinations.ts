// One IPVS destination (address and port) listed twice in a service: the kernel holds one, so
// the second add fails ("Destination already exists"). Found by the plan's rule 8 with the
// addresses the plan gives, and again once the other hosts' addresses are resolved (ssh config,
// DNS), where two names may turn out to be one host. Pure.
import { canonicalAddress } from '../../lvs/address';
import type { PlanService } from './schema';

export interface RepeatedDestination {
  /** the realserver entry that repeats, and the first one it repeats */
  index: number;
  firstIndex: number;
  host: string;
  firstHost: string;
  /** the address both have (one spelling), or undefined when it is not known yet (then host is firstHost) */
  address: string | undefined;
  port: number;
}

/**
 * Each realserver of `service` whose destination an earlier one already is. `addressOf` gives a
 * host's address, or undefined when it is not known yet: that host is then known by its name.
 */
export function repeatedDestinations(service: PlanService, addressOf: (host: string) => string | undefined): RepeatedDestination[] {
  // the port each destination gets, as compile.ts gives it: its own, else the service's (none for a fwmark service)
  const servicePort = service.fwmark !== undefined ? 0 : (service.port ?? 0);
  const seen = new Map<string, { index: number; host: string }>();
  const repeated: RepeatedDestination[] = [];
  service.realservers.forEach((rs, index) => {
    const port = rs.port || servicePort;
    const address = addressOf(rs.host);
    const key = address === undefined ? `host ${rs.host} ${port}` : `${address} ${port}`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, { index, host: rs.host });
    else repeated.push({ index, firstIndex: first.index, host: rs.host, firstHost: first.host, address, port });
  });
  return repeated;
}

/** addressOf for repeatedDestinations: each host's address in one spelling, made once per host (a plan has 20,000 realservers). */
export function canonicalAddresses(addressOfHost: (host: string) => string | undefined): (host: string) => string | undefined {
  const known = new Map<string, string | undefined>();
  return (host) => {
    if (!known.has(host)) {
      const address = addressOfHost(host);
      known.set(host, address === undefined ? undefined : canonicalAddress(address));
    }
    return known.get(host);
  };
}
