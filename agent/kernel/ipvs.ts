// The director's view of the kernel's IPVS table: read it whole, change it in one batch.
// One Linux implementation (ipvsadm) and one in-memory fake; the director never knows which.
import type { IpvsOperation } from '../director/operations';
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

export interface Ipvs {
  /** The whole table, services and their destinations (one `ipvsadm -S -n`). */
  read(): Promise<IpvsReading>;
  /**
   * Applies the operations in order (one `ipvsadm -R`) and fails if any was refused. NOT
   * atomic: ipvsadm -R goes on past a refused line (seen in the lab), so every other line
   * takes effect; a caller that wants all-or-nothing must read back and undo.
   */
  applyBatch(ops: IpvsOperation[]): Promise<void>;
  /** Active and inactive connections of every destination (one `ipvsadm -Ln --exact`). */
  readConnections(): Promise<DestinationConnections[]>;
}
