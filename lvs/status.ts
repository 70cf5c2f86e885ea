// What the Status call reports: a director's live IPVS table with its counters. The
// reader of the kernel is injected, so the service knows nothing about ipvsadm.
import type { Destination, VirtualService } from './model';
import type { IpvsCounters } from './formats/ipvs-stats';

export interface DestinationCounters {
  destination: Destination;
  activeConnections: number;
  inactiveConnections: number;
  /** cumulative counters (ipvsadm -Ln --stats); absent when they could not be read */
  stats?: IpvsCounters;
}

export interface ServiceCounters {
  service: VirtualService;
  destinations: DestinationCounters[];
  /** false: found in the kernel but not created by lvsctl */
  managed: boolean;
  /** cumulative counters (ipvsadm -Ln --stats); absent when they could not be read */
  stats?: IpvsCounters;
}

export interface StatusSource {
  read(): Promise<ServiceCounters[]>;
}
