// The LVS-NAT path check's reading (nat-path.ts) taken ahead: a rollout says hello to every
// agent before it applies, and its realservers verify before any director is sent its plan. A
// director told an apply follows reads its interfaces and sysctls then, and the apply takes that
// reading instead of spending a route-netlink dump and the sysctl files on its own time (30 ms
// of a one-weight apply in the lab's kernel, 200 ms of the first). One reading serves one
// apply, and only one announced at most ANNOUNCEMENT_LIFETIME_MS before it; else the apply reads.
import { ANNOUNCEMENT_LIFETIME_MS } from '../kernel/confirmed-ipvs';
import { natPathKeys, type NatPathReader, type NatPathReading } from './nat-path';

export interface NatPathSource {
  /** the reading for this apply */
  take(): Promise<NatPathReading>;
  /** an apply that needs none (no NAT in its plan) lets a reading taken ahead go */
  discard(): void;
}

export class NatPathAhead implements NatPathSource {
  private ahead: { at: number; reading: Promise<NatPathReading> } | undefined;

  constructor(private readonly reader: NatPathReader, private readonly now: () => number = Date.now) {}

  /** At a hello that announces an apply: read now (a failed read is the apply's to see). */
  announce(): void {
    const reading = readNatPath(this.reader);
    reading.catch(() => undefined);
    this.ahead = { at: this.now(), reading };
  }

  discard(): void {
    this.ahead = undefined;
  }

  take(): Promise<NatPathReading> {
    const ahead = this.ahead;
    this.ahead = undefined;
    return ahead !== undefined && this.now() - ahead.at <= ANNOUNCEMENT_LIFETIME_MS ? ahead.reading : readNatPath(this.reader);
  }
}

export async function readNatPath(reader: NatPathReader): Promise<NatPathReading> {
  const interfaces = await reader.interfaces();
  return { interfaces, values: await reader.sysctl.read(natPathKeys(interfaces)) };
}
