// The IPVS table through ipvsadm: `ipvsadm -S -n` to read it, `ipvsadm -R` (the batch on
// stdin) to change it, `ipvsadm -Ln --exact` with `--stats` for the listing, `ipvsadm -Lcn`
// for the connection table. Text formats live in lvs/formats/.
import { filterConnections, parseIpvsConnections, type ConnectionEntry, type ConnectionFilter } from '../../../lvs/formats/ipvs-connections';
import { joinIpvsListings, parseIpvsList, parseIpvsStats } from '../../../lvs/formats/ipvs-stats';
import { parseIpvsSaveTolerant, renderIpvsRestore } from '../../../lvs/formats/ipvsadm-format';
import type { IpvsReading, ListedService } from '../../../lvs/ipvs-reading';
import type { IpvsOperation } from '../../../lvs/operations';
import { ExecError, type Exec } from '../exec';
import { IpvsadmBatchError } from '../../../lvs/formats/ipvsadm-errors';
import type { Ipvs } from '../ipvs';

/** 2,000 services x 10 destinations take ~25 s to restore in the slow lab kernel; leave headroom. */
const WRITE_TIMEOUT_MS = 300_000;
const READ_TIMEOUT_MS = 60_000;

export class LinuxIpvs implements Ipvs {
  constructor(private readonly exec: Exec, private readonly ipvsadm = 'ipvsadm') {}

  async read(): Promise<IpvsReading> {
    const { stdout } = await this.exec(this.ipvsadm, ['-S', '-n'], { timeoutMs: READ_TIMEOUT_MS });
    return parseIpvsSaveTolerant(stdout);
  }

  async list(): Promise<ListedService[]> {
    const [list, stats] = await Promise.all([
      this.exec(this.ipvsadm, ['-L', '-n', '--exact'], { timeoutMs: READ_TIMEOUT_MS }),
      this.exec(this.ipvsadm, ['-L', '-n', '--stats', '--exact'], { timeoutMs: READ_TIMEOUT_MS }),
    ]);
    return joinIpvsListings(parseIpvsList(list.stdout), parseIpvsStats(stats.stdout));
  }

  async connections(filter?: ConnectionFilter): Promise<ConnectionEntry[]> {
    const { stdout } = await this.exec(this.ipvsadm, ['-L', '-c', '-n'], { timeoutMs: READ_TIMEOUT_MS });
    const entries = parseIpvsConnections(stdout);
    return filter ? filterConnections(entries, filter) : entries;
  }

  async applyBatch(ops: IpvsOperation[]): Promise<void> {
    if (ops.length === 0) return;
    let stderr: string;
    try {
      ({ stderr } = await this.exec(this.ipvsadm, ['-R'], { input: renderIpvsRestore(ops), timeoutMs: WRITE_TIMEOUT_MS }));
    } catch (error) {
      // the last line refused: the status is its, the refusals are on stderr as for any other line
      if (error instanceof ExecError && error.reason === 'exit' && error.stderr.trim() !== '') throw new IpvsadmBatchError(error.stderr, error.message);
      throw error;
    }
    // -R exits with the status of its last line only: a refused line before it shows on stderr alone.
    if (stderr.trim() !== '') throw new IpvsadmBatchError(stderr);
  }
}
