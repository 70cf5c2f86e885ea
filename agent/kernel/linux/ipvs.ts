// The IPVS table through ipvsadm: one `ipvsadm -S -n` to read it, one `ipvsadm -R` (the
// batch on stdin) to change it, one `ipvsadm -Ln --exact` for connection counts. Text
// formats live in ipvsadm-format.ts (and lvs/formats/ipvs-stats.ts for the listing).
import type { IpvsOperation } from '../../../lvs/operations';
import { parseIpvsList } from '../../../lvs/formats/ipvs-stats';
import type { Exec } from '../exec';
import type { Ipvs } from '../ipvs';
import type { DestinationConnections, IpvsReading } from '../../../lvs/ipvs-reading';
import { parseIpvsSaveTolerant, renderIpvsRestore } from '../../../lvs/formats/ipvsadm-format';

/** 2,000 services x 10 destinations take ~25 s to restore in the slow lab kernel; leave headroom. */
const TIMEOUT_MS = 300_000;

export class LinuxIpvs implements Ipvs {
  constructor(private readonly exec: Exec) {}

  async read(): Promise<IpvsReading> {
    const { stdout } = await this.exec('ipvsadm', ['-S', '-n'], { timeoutMs: TIMEOUT_MS });
    return parseIpvsSaveTolerant(stdout);
  }

  async applyBatch(ops: IpvsOperation[]): Promise<void> {
    if (ops.length === 0) return;
    const { stderr } = await this.exec('ipvsadm', ['-R'], { input: renderIpvsRestore(ops), timeoutMs: TIMEOUT_MS });
    // -R exits with the status of its last line only: a refused line before it shows on stderr alone.
    if (stderr.trim() !== '') throw new Error(`ipvsadm -R refused part of the batch: ${stderr.trim()}`);
  }

  async readConnections(): Promise<DestinationConnections[]> {
    const { stdout } = await this.exec('ipvsadm', ['-L', '-n', '--exact'], { timeoutMs: TIMEOUT_MS });
    return parseIpvsList(stdout).flatMap((s) =>
      s.destinations.map((d) => ({
        service: s.key,
        destination: { address: d.address, port: d.port, weight: d.weight, forwarding: d.forwarding },
        active: d.activeConnections,
        inactive: d.inactiveConnections,
      })),
    );
  }
}
