// The one door to the kernel's IPVS table: everything the agent reads of it and the one way
// to change it. Built once in the agent's composition root (agent/start.ts) and handed to the
// applier, the drain sweep, the health monitor, Status, Connections and metrics. Writers reach
// it only through IpvsWriter (agent/kernel/ipvs-writer.ts), which serializes them.
import type { ConnectionEntry, ConnectionFilter } from '../../lvs/formats/ipvs-connections';
import type { IpvsReading, ListedService } from '../../lvs/ipvs-reading';
import type { IpvsService, ServiceKey } from '../../lvs/model';
import type { IpvsOperation } from '../../lvs/operations';

export interface Ipvs {
  /** The whole table, services and their destinations, and the services lvsctl cannot model. */
  read(): Promise<IpvsReading>;
  /** The table with weights, active and inactive connections and cumulative counters. */
  list(): Promise<ListedService[]>;
  /**
   * The connection table, persistence templates included: the entries that pass `filter`, at
   * most its limit (a backend stops reading there), or all of them without one.
   */
  connections(filter?: ConnectionFilter): Promise<ConnectionEntry[]>;
  /**
   * Applies the operations in order and fails if any was refused. NOT atomic: a refused
   * operation does not stop the others (ipvsadm -R goes on past a refused line, seen in the
   * lab), so a caller that wants all-or-nothing must read back and undo.
   */
  applyBatch(ops: IpvsOperation[]): Promise<void>;
  /**
   * The table for a read-back: the services written since the last read read again, the rest
   * as that read left them. Only the door that remembers the table has it (confirmed-ipvs.ts),
   * and it reads as read() does whenever it cannot vouch for the rest. `expected` is the table
   * the caller expects (an apply's projection): a service the door found the kernel to hold
   * exactly so may come back as that very object (then it is known equal, not compared again).
   */
  readWritten?(expected?: readonly IpvsService[]): Promise<IpvsReading>;
  /**
   * An apply's read: read(), or, when the door checked the table against the kernel's listing
   * since the apply was announced (CheckAhead), that table with only what was written since read
   * again. Only the remembering door has it.
   */
  readForApply?(): Promise<IpvsReading>;
}

/**
 * A door that checks its table when told an apply follows (a rollout's hello), so that the
 * apply's own read need not read the kernel's listing again (confirmed-ipvs.ts).
 */
export interface CheckAhead {
  announceApply(): void;
  /** the check itself; run inside the writer's exclusive task */
  checkAhead(): Promise<void>;
}

/**
 * A backend that can read a few services alone (netlink: one request and one destination
 * dump each), as the door does when the kernel's listing shows only those changed.
 */
export interface ServiceReader {
  /** those of the services the kernel holds; a key it does not hold is simply absent */
  readServices(keys: readonly ServiceKey[]): Promise<IpvsReading>;
}
