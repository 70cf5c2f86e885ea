// The FTP duty: the FTP server's passive range must lie inside the range the directors
// mark, or passive data connections escape the persistence template and fail.
import { errorMessage } from '../../lvs/errors';
import { join } from 'node:path';
import { FTP_CONFIG_MAX_BYTES, type FtpConfigFiles } from '../kernel/ftp-config';
import type { RealserverPlan } from '../../lvs/host-plan';
import type { CheckResult } from './check-result';
import {
  formatPortRange,
  parsePortRange,
  pureFtpdConfDirPassiveRange,
  pureFtpdConfPassiveRange,
  rangeInside,
  vsftpdPassiveRange,
  type PassiveRange,
  type PortRange,
} from './ftp-range';

type FtpServer = NonNullable<RealserverPlan['ftp']>;

export interface FtpConfigSnapshot {
  server: FtpServer['server'];
  /** the path the plan names */
  configPath: string;
  /** the file actually read (for Debian's pure-ftpd layout, the PassivePortRange file inside) */
  readPath: string;
  /** read: its text; no-range-file: a pure-ftpd conf directory without PassivePortRange; unreadable */
  outcome:
    | { kind: 'read'; text: string; truncated: boolean }
    | { kind: 'no-range-file' }
    | { kind: 'unreadable'; reason: string };
}

async function entryKindOrReason(files: FtpConfigFiles, path: string): Promise<string> {
  try {
    return await files.entryKind(path);
  } catch (e) {
    return `unreadable: ${errorMessage(e)}`;
  }
}

export async function readFtpConfig(files: FtpConfigFiles, ftp: FtpServer): Promise<FtpConfigSnapshot> {
  const base = { server: ftp.server, configPath: ftp.config };
  const kind = await entryKindOrReason(files, ftp.config);
  const unreadable = (reason: string, readPath = ftp.config): FtpConfigSnapshot => ({ ...base, readPath, outcome: { kind: 'unreadable', reason } });
  if (kind === 'missing') return unreadable('it does not exist');
  if (kind === 'other') return unreadable('it is not a regular file');
  if (kind.startsWith('unreadable')) return unreadable(kind.slice('unreadable: '.length));
  if (kind === 'directory') {
    if (ftp.server === 'vsftpd') return unreadable('it is a directory; vsftpd reads one file');
    // Debian: /etc/pure-ftpd/conf/PassivePortRange; accept /etc/pure-ftpd too (its conf/ inside).
    let readPath = join(ftp.config, 'PassivePortRange');
    if ((await entryKindOrReason(files, readPath)) === 'missing' && (await entryKindOrReason(files, join(ftp.config, 'conf'))) === 'directory') {
      readPath = join(ftp.config, 'conf', 'PassivePortRange');
    }
    const fileKind = await entryKindOrReason(files, readPath);
    if (fileKind === 'missing') return { ...base, readPath, outcome: { kind: 'no-range-file' } };
    if (fileKind !== 'file') return unreadable(fileKind === 'directory' ? 'it is a directory' : fileKind, readPath);
    return readFile(files, base, readPath);
  }
  return readFile(files, base, ftp.config);
}

async function readFile(files: FtpConfigFiles, base: Pick<FtpConfigSnapshot, 'server' | 'configPath'>, readPath: string): Promise<FtpConfigSnapshot> {
  const read = await files.readText(readPath, FTP_CONFIG_MAX_BYTES);
  if (!read.ok) return { ...base, readPath, outcome: { kind: 'unreadable', reason: read.reason } };
  return { ...base, readPath, outcome: { kind: 'read', text: read.text, truncated: read.truncated } };
}

function passiveRangeOf(snapshot: FtpConfigSnapshot): PassiveRange {
  const o = snapshot.outcome;
  if (o.kind === 'unreadable') return { kind: 'invalid', reason: `cannot read ${snapshot.readPath}: ${o.reason}` };
  if (o.kind === 'no-range-file') return pureFtpdConfDirPassiveRange(undefined);
  if (o.truncated) return { kind: 'invalid', reason: `${snapshot.readPath} is larger than ${FTP_CONFIG_MAX_BYTES} bytes; the agent does not judge a partial file` };
  if (snapshot.server === 'vsftpd') return vsftpdPassiveRange(o.text);
  return snapshot.readPath === snapshot.configPath ? pureFtpdConfPassiveRange(o.text) : pureFtpdConfDirPassiveRange(o.text);
}

/** The edit an operator makes so the server uses exactly the marked range. */
function rangeFix(snapshot: FtpConfigSnapshot, wanted: PortRange): string {
  if (snapshot.server === 'vsftpd') {
    return `set pasv_enable=YES, pasv_min_port=${wanted.min} and pasv_max_port=${wanted.max} in ${snapshot.configPath} and restart vsftpd`;
  }
  if (snapshot.readPath !== snapshot.configPath) {
    return `echo '${wanted.min} ${wanted.max}' > ${snapshot.readPath} && systemctl restart pure-ftpd`;
  }
  return `set "PassivePortRange ${wanted.min} ${wanted.max}" in ${snapshot.configPath} and restart pure-ftpd`;
}

/** One check per FTP duty; a duty without an FTP server in the plan cannot be judged. */
export function ftpChecks(plan: RealserverPlan, snapshot: FtpConfigSnapshot | undefined): CheckResult[] {
  const results: CheckResult[] = [];
  for (const duty of plan.duties) {
    if (duty.ftpPassivePorts === undefined) continue;
    const wanted = parsePortRange(duty.ftpPassivePorts);
    if (!snapshot || !wanted) {
      results.push({
        action: 'check-ftp-passive',
        target: duty.service,
        status: 'skipped',
        message: `service ${duty.service} is an FTP service, but the plan names no FTP server for host ${plan.host}: its passive range is not verified`,
        fix: `add "ftp": { "server": "vsftpd" | "pure-ftpd", "config": PATH } to hosts.${plan.host} in plan.json`,
      });
      continue;
    }
    results.push(ftpCheck(duty.service, snapshot, wanted));
  }
  return results;
}

function ftpCheck(service: string, snapshot: FtpConfigSnapshot, wanted: PortRange): CheckResult {
  const base = { action: 'check-ftp-passive', target: snapshot.readPath };
  const marked = `the marked range ${formatPortRange(wanted)} of service ${service}`;
  const found = passiveRangeOf(snapshot);
  switch (found.kind) {
    case 'invalid': {
      const unreadable = snapshot.outcome.kind === 'unreadable';
      return {
        ...base,
        status: 'failed',
        message: `${snapshot.server}: ${found.reason}; cannot verify that its passive ports lie inside ${marked}`,
        fix: unreadable
          ? `make ${snapshot.readPath} readable by the agent, or correct the ftp.config path of this host in plan.json`
          : rangeFix(snapshot, wanted),
      };
    }
    case 'disabled':
      return {
        ...base,
        status: 'failed',
        message: `${snapshot.server}: ${found.reason}; ${service} needs passive mode inside ${marked}`,
        fix: rangeFix(snapshot, wanted),
      };
    case 'range':
    case 'any': {
      const detail = found.kind === 'range' ? found.setting : found.reason;
      if (rangeInside(found.range, wanted)) {
        return { ...base, status: 'ok', message: `${snapshot.server} passive ports ${formatPortRange(found.range)} (${detail}) lie inside ${marked}` };
      }
      return {
        ...base,
        status: 'failed',
        message:
          `${snapshot.server} may use passive ports ${formatPortRange(found.range)} (${detail}), outside ${marked}: ` +
          'data connections to unmarked ports miss the persistence template and land on another realserver',
        fix: rangeFix(snapshot, wanted),
      };
    }
  }
}
