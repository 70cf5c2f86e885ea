// An in-memory IPVS table for tests, with ipvsadm -R's failure mode as seen in the lab: a
// refused line does not stop the batch, every other line still takes effect, and the batch
// ends in an error (ipvsadm prints the refusal; the exit status is the last line's).
import { applyIpvsOperation, canonicalTable } from '../../director/ipvs-table';
import type { IpvsOperation } from '../../../lvs/operations';
import type { Ipvs } from '../ipvs';
import type { DestinationConnections, IpvsReading, UnparsedService } from '../../../lvs/ipvs-reading';
import { destinationKeyString, serviceKeyString, type IpvsService, type ServiceKey } from '../../../lvs/model';

export class FakeIpvs implements Ipvs {
  private table: IpvsService[];
  /** someone else's services the model cannot hold: reported by read, untouched by batches */
  private readonly foreign: UnparsedService[];
  /** active/inactive connections by "service -> address:port"; a destination not listed has none */
  private readonly connections = new Map<string, { active: number; inactive: number }>();
  private connectionsFailure: string | undefined;
  private failAt: { line: number; message: string } | undefined;
  private readFailure: string | undefined;
  private readBackTwist: ((table: IpvsService[]) => IpvsService[]) | undefined;
  /** how many times each verb ran, to prove one read and one batch per apply */
  readonly calls = { read: 0, applyBatch: 0, readConnections: 0 };
  /** every batch received, in order */
  readonly batches: IpvsOperation[][] = [];

  constructor(initial: IpvsService[] = [], foreign: UnparsedService[] = []) {
    this.table = canonicalTable(initial);
    this.foreign = structuredClone(foreign);
  }

  /** Clients hold these connections to a destination (until set again). */
  setConnections(service: ServiceKey, destination: { address: string; port: number }, active: number, inactive = 0): void {
    this.connections.set(connectionId(service, destination), { active, inactive });
  }

  /** The next readConnections fails with this message. */
  failNextConnectionsRead(message: string): void {
    this.connectionsFailure = message;
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

  async read(): Promise<IpvsReading> {
    this.calls.read++;
    if (this.readFailure !== undefined) {
      const message = this.readFailure;
      this.readFailure = undefined;
      throw new Error(`ipvsadm -S -n: ${message}`);
    }
    const table = this.snapshot();
    const twist = this.readBackTwist;
    this.readBackTwist = undefined;
    return { services: twist ? canonicalTable(twist(table)) : table, unparsed: structuredClone(this.foreign) };
  }

  async readConnections(): Promise<DestinationConnections[]> {
    this.calls.readConnections++;
    if (this.connectionsFailure !== undefined) {
      const message = this.connectionsFailure;
      this.connectionsFailure = undefined;
      throw new Error(`ipvsadm -Ln --exact: ${message}`);
    }
    return this.table.flatMap((s) =>
      s.destinations.map((d) => {
        const counts = this.connections.get(connectionId(s.service.key, d)) ?? { active: 0, inactive: 0 };
        return { service: structuredClone(s.service.key), destination: structuredClone(d), ...counts };
      }),
    );
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
        this.refuseForeign(op);
        this.table = applyIpvsOperation(this.table, op);
      } catch (error) {
        refusals.push(`line ${line}: ${(error as Error).message}`);
      }
    }
    if (refusals.length > 0) throw new Error(`ipvsadm -R: ${refusals.join('; ')}`);
  }

  /**
   * The kernel holds the foreign services too: adding one again is "Service already exists".
   * Anything else would change someone else's service, which the director must never do;
   * the fake refuses it so a test sees it.
   */
  private refuseForeign(op: IpvsOperation): void {
    const name = serviceKeyString('service' in op ? op.service.key : op.key);
    if (!this.foreign.some((f) => f.key !== undefined && serviceKeyString(f.key) === name)) return;
    throw new Error(op.op === 'add-service' ? `${name}: Service already exists` : `${name}: (fake) ${op.op} on a foreign service lvsctl cannot read`);
  }
}

function connectionId(service: ServiceKey, destination: { address: string; port: number }): string {
  return `${serviceKeyString(service)} -> ${destinationKeyString(destination)}`;
}

// A compile-time proof that the fake keeps up with the interface.
const _proof: Ipvs = new FakeIpvs();
void _proof;
