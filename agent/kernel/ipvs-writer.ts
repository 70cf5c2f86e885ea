// The one owner of every write to the IPVS table. The apply (read, batch, read-back and any
// rollback), the drain sweep, the health monitor's quiesce and restore and the sorry server
// each run as one exclusive task here, so no write lands between an apply's batch and its
// read-back, and two writers never work from each other's half-changed table.
import { SerialQueue } from '../../lvs/serial-queue';
import type { Ipvs } from './ipvs';

export class IpvsWriter {
  private readonly queue = new SerialQueue();

  /** `table` is the door it writes through; readers may use it directly. */
  constructor(readonly table: Ipvs) {}

  /** Runs the task after every task queued before it; only inside it may the table be changed. */
  exclusive<T>(task: (table: Ipvs) => Promise<T>): Promise<T> {
    return this.queue.run(() => task(this.table));
  }

  /** resolves when every queued write has settled (a stopping agent waits on it) */
  idle(): Promise<void> {
    return this.queue.idle();
  }
}
