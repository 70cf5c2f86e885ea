// The IPVS table through ipvsadm: one `ipvsadm -S -n` to read it, one `ipvsadm -R` (the
// batch on stdin) to change it. Text formats live in ipvsadm-format.ts.
import type { IpvsOperation } from '../../director/operations';
import type { Exec } from '../exec';
import type { Ipvs } from '../ipvs';
import type { IpvsService } from '../model';
import { parseIpvsSave, renderIpvsRestore } from './ipvsadm-format';

/** 2,000 services x 10 destinations take ~25 s to restore in the slow lab kernel; leave headroom. */
const TIMEOUT_MS = 300_000;

export class LinuxIpvs implements Ipvs {
  constructor(private readonly exec: Exec) {}

  async read(): Promise<IpvsService[]> {
    const { stdout } = await this.exec('ipvsadm', ['-S', '-n'], { timeoutMs: TIMEOUT_MS });
    return parseIpvsSave(stdout);
  }

  async applyBatch(ops: IpvsOperation[]): Promise<void> {
    if (ops.length === 0) return;
    const { stderr } = await this.exec('ipvsadm', ['-R'], { input: renderIpvsRestore(ops), timeoutMs: TIMEOUT_MS });
    // -R exits with the status of its last line only: a refused line before it shows on stderr alone.
    if (stderr.trim() !== '') throw new Error(`ipvsadm -R refused part of the batch: ${stderr.trim()}`);
  }
}
