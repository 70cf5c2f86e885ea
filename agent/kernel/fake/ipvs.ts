// An in-memory IPVS table for tests, with ipvsadm -R's failure mode as seen in the lab: a
// refused line does not stop the batch, every other line still takes effect, and the batch
// ends in an error (ipvsadm prints the refusal; the exit status is the last line's).
import { applyIpvsOperation, canonicalTable } from '../../director/ipvs-table';
import type { IpvsOperation } from '../../director/operations';
import type { Ipvs } from '../ipvs';
import type { IpvsService } from '../model';

export class FakeIpvs implements Ipvs {
  private table: IpvsService[];
  private failAt: { line: number; message: string } | undefined;
  private readFailure: string | undefined;
  private readBackTwist: ((table: IpvsService[]) => IpvsService[]) | undefined;
  /** how many times each verb ran, to prove one read and one batch per apply */
  readonly calls = { read: 0, applyBatch: 0 };
  /** every batch received, in order */
  readonly batches: IpvsOperation[][] = [];

  constructor(initial: IpvsService[] = []) {
    this.table = canonicalTable(initial);
  }

  /** The table as the kernel holds it now, sorted; never affected by injected faults. */
  snapshot(): IpvsService[] {
    return canonicalTable(this.table);
  }

  /** The next batch's Nth operation (1-based) is refused; the others take effect and the batch fails. */
  failNextBatchAt(line: number, message = 'Memory allocation problem'): void {
    this.failAt = { line, message };
  }

  /** The next read fails with this message. */
  failNextRead(message: string): void {
    this.readFailure = message;
  }

  /** The next read reports this transformation of the table instead of the table itself. */
  misreportNextRead(twist: (table: IpvsService[]) => IpvsService[]): void {
    this.readBackTwist = twist;
  }

  async read(): Promise<IpvsService[]> {
    this.calls.read++;
    if (this.readFailure !== undefined) {
      const message = this.readFailure;
      this.readFailure = undefined;
      throw new Error(`ipvsadm -S -n: ${message}`);
    }
    const table = this.snapshot();
    const twist = this.readBackTwist;
    this.readBackTwist = undefined;
    return twist ? canonicalTable(twist(table)) : table;
  }

  async applyBatch(ops: IpvsOperation[]): Promise<void> {
    this.calls.applyBatch++;
    this.batches.push(structuredClone(ops));
    const failAt = this.failAt;
    this.failAt = undefined;
    const refusals: string[] = [];
    for (const [index, op] of ops.entries()) {
      const line = index + 1;
      if (failAt && failAt.line === line) {
        refusals.push(`line ${line}: ${failAt.message}`);
        continue;
      }
      try {
        this.table = applyIpvsOperation(this.table, op);
      } catch (error) {
        refusals.push(`line ${line}: ${(error as Error).message}`);
      }
    }
    if (refusals.length > 0) throw new Error(`ipvsadm -R: ${refusals.join('; ')}`);
  }
}

// A compile-time proof that the fake keeps up with the interface.
const _proof: Ipvs = new FakeIpvs();
void _proof;
