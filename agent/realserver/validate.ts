// A realserver plan arrives over the network: check it again before any of its values
// reaches a command line or an `ip -batch` line.
import { isIP } from 'node:net';
import { isAbsolute } from 'node:path';
import { MAX_REALSERVER_DUTIES, type RealserverPlan } from '../../lvs/host-plan';
import { parsePortRange } from './ftp-range';

const MAX_DUTIES = MAX_REALSERVER_DUTIES;
const MAX_VIPS_PER_DUTY = 1_000;

/** Problems as "field: what is wrong"; empty when the plan is usable. */
export function realserverPlanProblems(plan: RealserverPlan): string[] {
  const problems: string[] = [];
  if (!isIP(plan.address)) problems.push(`address: ${JSON.stringify(plan.address)} is not an IP address`);
  if (!Number.isSafeInteger(plan.generation) || plan.generation < 0) problems.push('generation: must be a non-negative integer');
  if (!Array.isArray(plan.duties) || plan.duties.length > MAX_DUTIES) {
    problems.push(`duties: must be a list of at most ${MAX_DUTIES}`);
    return problems;
  }
  plan.duties.forEach((duty, i) => {
    const at = `duties[${i}]`;
    if (!['dr', 'nat', 'tun'].includes(duty.forwarding)) problems.push(`${at}.forwarding: ${JSON.stringify(duty.forwarding)} is not dr, nat or tun`);
    if (duty.vips.length > MAX_VIPS_PER_DUTY) problems.push(`${at}.vips: more than ${MAX_VIPS_PER_DUTY}`);
    duty.vips.forEach((vip, j) => {
      if (!isIP(vip)) problems.push(`${at}.vips[${j}]: ${JSON.stringify(vip)} is not an IP address`);
    });
    duty.directors.forEach((d, j) => {
      if (!isIP(d)) problems.push(`${at}.directors[${j}]: ${JSON.stringify(d)} is not an IP address`);
    });
    if (duty.ftpPassivePorts !== undefined && !parsePortRange(duty.ftpPassivePorts)) {
      problems.push(`${at}.ftpPassivePorts: ${JSON.stringify(duty.ftpPassivePorts)} is not a range "N:M" with 1 <= N <= M <= 65535`);
    }
  });
  if (plan.ftp) {
    if (plan.ftp.server !== 'vsftpd' && plan.ftp.server !== 'pure-ftpd') problems.push(`ftp.server: ${JSON.stringify(plan.ftp.server)} is not vsftpd or pure-ftpd`);
    if (!isAbsolute(plan.ftp.config) || plan.ftp.config.includes('\0') || plan.ftp.config.length > 4096) {
      problems.push(`ftp.config: ${JSON.stringify(plan.ftp.config)} is not an absolute path`);
    }
  }
  return problems;
}
