// The director's view of the kernel's IPVS table: read it whole, change it in one batch.
// One Linux implementation (ipvsadm) and one in-memory fake; the director never knows which.
import type { IpvsOperation } from '../../lvs/operations';
import type { DestinationConnections, IpvsReading } from '../../lvs/ipvs-reading';

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
