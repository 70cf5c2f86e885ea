// The LVS-NAT path check's reading (nat-path.ts) taken ahead: a rollout says hello to every
// agent before it applies, and its realservers verify before any director is sent its plan. A
// director told an apply follows reads its interfaces and sysctls then, and the apply takes that
// reading instead of spending a route-netlink dump and the sysctl files on its own time (30 ms
// of a one-weight apply in the lab's kernel, 200 ms of the first). One reading serves one
// apply, and only one announced at most ANNOUNCEMENT_LIFETIME_MS before it; else the apply reads.
// A hello reads only while the last plan had NAT (or none was applied yet since the start): a
// LVS-DR director reads nothing. The apply waits at most TAKE_TIMEOUT_MS for a reading: the
// check must never hold the table's one writer (weight changes wait behind it).
import { ANNOUNCEMENT_LIFETIME_MS } from '../kernel/confirmed-ipvs';
import { natPathKeys, type NatPathReader, type NatPathReading } from './nat-path';

export interface NatPathSource {
  /** the reading for this apply; rejects after TAKE_TIMEOUT_MS */
  take(): Promise<NatPathReading>;
  /** an apply that does not check lets a reading taken ahead go; `nat`: whether its plan has NAT (hellos read ahead only then) */
  discard(nat?: boolean): void;
}

export const TAKE_TIMEOUT_MS = 2000;

export class NatPathAhead implements NatPathSource {
  private ahead: { at: number; reading: Promise<NatPathReading> } | undefined;
  /** the last applied plan had NAT (true until an apply says otherwise) */
  private wanted = true;

  constructor(private readonly reader: NatPathReader, private readonly now: () => number = Date.now, private readonly takeTimeoutMs = TAKE_TIMEOUT_MS) {}

  /** At a hello that announces an apply: read now (a failed read is the apply's to see). */
  announce(): void {
    if (!this.wanted) return;
    const reading = readNatPath(this.reader);
    reading.catch(() => undefined);
    this.ahead = { at: this.now(), reading };
  }

  discard(nat?: boolean): void {
    this.ahead = undefined;
    if (nat !== undefined) this.wanted = nat;
  }

  take(): Promise<NatPathReading> {
    this.wanted = true;
    const ahead = this.ahead;
    this.ahead = undefined;
    const reading = ahead !== undefined && this.now() - ahead.at <= ANNOUNCEMENT_LIFETIME_MS ? ahead.reading : readNatPath(this.reader);
    return withTimeout(reading, this.takeTimeoutMs);
  }
}

export async function readNatPath(reader: NatPathReader): Promise<NatPathReading> {
  const interfaces = await reader.interfaces();
  return { interfaces, values: await reader.sysctl.read(natPathKeys(interfaces)) };
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the interfaces and sysctls were not read within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
