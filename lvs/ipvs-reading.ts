// What a read of the IPVS table gives: the services lvsctl's model holds, the ones it
// cannot, and the listing with weights, connection counts and counters. Plain data, shared
// by the agent's one IPVS door and by the controller's parsers of saved tables.
import type { Destination, IpvsService, ServiceKey, VirtualService } from './model';

/** The kernel's counters of a service or a destination (netlink's stats, `ipvsadm -Ln --stats --exact`). */
export interface IpvsCounters {
  /** connections scheduled since the service or destination was created */
  connections: number;
  inPackets: number;
  outPackets: number;
  inBytes: number;
  outBytes: number;
}

/**
 * A service in the kernel that lvsctl's model cannot hold (SCTP, one-packet scheduling,
 * a persistence engine, a GUE/GRE tunnel destination): someone else's, never touched.
 */
export interface UnparsedService {
  /** how ipvsadm names the service: "-u 10.0.0.100:5060", "--sctp-service 10.0.0.100:80" */
  name: string;
  /** its key when lvsctl can name one (not for SCTP); a planned service with this key is refused */
  key?: ServiceKey;
  /** the first line of the service lvsctl cannot read, and why */
  line: string;
  reason: string;
}

/** The whole table as read: what lvsctl can hold, and the services it cannot. */
export interface IpvsReading {
  services: IpvsService[];
  unparsed: UnparsedService[];
  /** how the agent's door answered (agent/kernel/confirmed-ipvs.ts); absent from a backend's own read */
  how?: ReadAccount;
  /**
   * A door's read that read again over the backend only the services written since the read
   * before (kinds 'written' and 'ahead'): those services as read now. Every other service in
   * `services` is the very object that read gave, so a caller that compared that read need
   * compare only these (an apply's read-back of one weight: one service, not 2,000).
   */
  readAgain?: IpvsService[];
}

/**
 * A read of the remembering door: whole, from memory, partly read again, (a read-back) only
 * the services written since a read that checked the listing, read again, or (an apply
 * announced by its rollout's hello) the same since the check made when it was announced.
 */
export interface ReadAccount {
  kind: 'whole' | 'remembered' | 'partial' | 'written' | 'ahead';
  /** services read again one by one over the backend */
  servicesReadAgain: number;
  /** services this agent wrote, taken from the kernel's listing */
  servicesFromListing: number;
}

/** One destination as the kernel lists it now: its weight, connection counts and counters. */
export interface ListedDestination {
  destination: Destination;
  activeConnections: number;
  inactiveConnections: number;
  /** cumulative counters; absent when they could not be read */
  stats?: IpvsCounters;
}

/**
 * One service as the kernel lists it now (`ipvsadm -Ln --exact` and `--stats`, or one
 * netlink dump): what Status, Health, metrics and the drain sweep read.
 */
export interface ListedService {
  service: VirtualService;
  destinations: ListedDestination[];
  /** cumulative counters; absent when they could not be read */
  stats?: IpvsCounters;
}

/** One destination's connection counts: what a drain waits on. */
export interface DestinationConnections {
  service: ServiceKey;
  /** as the listing shows it: address, port, weight, forwarding method */
  destination: Destination;
  active: number;
  inactive: number;
}

/** The listing flattened to one row per destination. */
export function destinationConnectionsOf(listing: readonly ListedService[]): DestinationConnections[] {
  return listing.flatMap((s) =>
    s.destinations.map((d) => ({ service: s.service.key, destination: d.destination, active: d.activeConnections, inactive: d.inactiveConnections })),
  );
}
