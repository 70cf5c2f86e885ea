// What the Status call reports: a director's live IPVS table with its counters. The
// reader of the kernel is injected, so the service knows nothing about ipvsadm.
import type { Destination, VirtualService } from '../kernel/model';

export interface DestinationCounters {
  destination: Destination;
  activeConnections: number;
  inactiveConnections: number;
}

export interface ServiceCounters {
  service: VirtualService;
  destinations: DestinationCounters[];
  /** false: found in the kernel but not created by lvsctl */
  managed: boolean;
}

export interface StatusSource {
  read(): Promise<ServiceCounters[]>;
}
