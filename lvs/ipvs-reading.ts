// What a read of the IPVS table gives: the services lvsctl's model holds, the ones it
// cannot, and per-destination connection counts. Plain data, shared by the agent's readers
// and writers and by the controller's parsers of saved tables.
import type { Destination, IpvsService, ServiceKey } from './model';

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
}

/** One destination's connection counts (`ipvsadm -Ln --exact`): what a drain waits on. */
export interface DestinationConnections {
  service: ServiceKey;
  /** as the listing shows it: address, port, weight, forwarding method */
  destination: Destination;
  active: number;
  inactive: number;
}
