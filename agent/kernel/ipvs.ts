// The director's view of the kernel's IPVS table: read it whole, change it in one batch.
// One Linux implementation (ipvsadm) and one in-memory fake; the director never knows which.
import type { IpvsOperation } from '../director/operations';
import type { IpvsService } from './model';

export interface Ipvs {
  /** The whole table, services and their destinations (one `ipvsadm -S -n`). */
  read(): Promise<IpvsService[]>;
  /**
   * Applies the operations in order (one `ipvsadm -R`). NOT atomic: the kernel keeps every
   * operation before the first one that fails, so a caller that wants all-or-nothing must
   * read back and undo.
   */
  applyBatch(ops: IpvsOperation[]): Promise<void>;
}
