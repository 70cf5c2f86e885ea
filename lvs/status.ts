// What the Status call reports: a director's live IPVS table with its counters, each service
// marked managed or not. The agent reads it through its one IPVS door.
import type { ListedDestination, ListedService } from './ipvs-reading';

/** One destination of a Status row: as the kernel lists it. */
export type DestinationCounters = ListedDestination;

export interface ServiceCounters extends ListedService {
  /** false: found in the kernel but not created by lvsctl */
  managed: boolean;
}

export interface StatusSource {
  read(): Promise<ServiceCounters[]>;
}
