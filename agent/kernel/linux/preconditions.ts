// What a director needs before it can touch the kernel: root, ipvsadm (unless IPVS is reached
// over netlink), IPVS in the kernel, and an iptables backend that can read the mangle table.
// Each problem names its fix.
import { errorMessage } from '../../../lvs/errors';
import { access } from 'node:fs/promises';
import { ExecError, type Exec } from '../exec';
import { resolveIptablesBackend, type IptablesChoice } from './marks';
import type { DirectorPreconditions, PreconditionProblem } from '../preconditions';

export interface LinuxPreconditionDeps {
  exec: Exec;
  iptables: IptablesChoice;
  /** true when the path exists (injected: tests have no /proc/net/ip_vs) */
  pathExists?: (path: string) => Promise<boolean>;
  /** the effective user id (injected: tests do not run as root) */
  uid?: () => number;
  /** false when IPVS is reached over netlink: then ipvsadm need not be installed (default true) */
  ipvsadm?: boolean;
}

export const IPVS_PROC_FILE = '/proc/net/ip_vs';
const CHECK_TIMEOUT_MS = 15_000;

async function realPathExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

function realUid(): number {
  return typeof process.geteuid === 'function' ? process.geteuid() : 0;
}

export function createLinuxPreconditions(deps: LinuxPreconditionDeps): DirectorPreconditions {
  const pathExists = deps.pathExists ?? realPathExists;
  const uid = deps.uid ?? realUid;
  return {
    async check() {
      const problems: PreconditionProblem[] = [];
      const euid = uid();
      if (euid !== 0) {
        problems.push({
          subject: 'root',
          message: `lvsctl-agent runs as uid ${euid}; changing IPVS and iptables needs root (CAP_NET_ADMIN)`,
          fix: 'run lvsctl-agent as root, e.g. through the packaged systemd unit',
        });
      }
      const ipvsadm = deps.ipvsadm === false ? undefined : await checkIpvsadmInstalled(deps.exec);
      if (ipvsadm) problems.push(ipvsadm);
      if (!(await pathExists(IPVS_PROC_FILE))) {
        problems.push({
          subject: 'ip_vs',
          message: `this kernel has no IPVS (${IPVS_PROC_FILE} is missing)`,
          fix: 'modprobe ip_vs (and make it load at boot: echo ip_vs > /etc/modules-load.d/ipvs.conf)',
        });
      }
      const iptables = await checkIptablesUsable(deps.exec, deps.iptables);
      if (iptables) problems.push(iptables);
      return problems;
    },
  };
}

/** Only "not installed" counts here: `ipvsadm --version` also fails when the kernel lacks IPVS, checked apart. */
async function checkIpvsadmInstalled(exec: Exec): Promise<PreconditionProblem | undefined> {
  try {
    await exec('ipvsadm', ['--version'], { timeoutMs: CHECK_TIMEOUT_MS });
  } catch (error) {
    if (error instanceof ExecError && error.reason === 'not-found') {
      return { subject: 'ipvsadm', message: 'ipvsadm is not installed', fix: 'apt-get install ipvsadm' };
    }
  }
  return undefined;
}

async function checkIptablesUsable(exec: Exec, choice: IptablesChoice): Promise<PreconditionProblem | undefined> {
  let backend;
  try {
    backend = await resolveIptablesBackend(exec, choice);
  } catch (error) {
    if (error instanceof ExecError && error.reason === 'not-found') {
      return { subject: 'iptables', message: 'iptables is not installed', fix: 'apt-get install iptables' };
    }
    return { subject: 'iptables', message: errorMessage(error), fix: 'start the agent with --iptables legacy or --iptables nft' };
  }
  try {
    await exec(backend.save, ['-t', 'mangle'], { timeoutMs: CHECK_TIMEOUT_MS });
    return undefined;
  } catch (error) {
    const other = backend.name === 'legacy' ? 'nft' : 'legacy';
    const notFound = error instanceof ExecError && error.reason === 'not-found';
    return {
      subject: 'iptables',
      message: notFound
        ? `${backend.save} is not installed (iptables backend "${backend.name}")`
        : `the iptables backend "${backend.name}" cannot read the mangle table: ${errorMessage(error)}`,
      fix: notFound
        ? 'apt-get install iptables'
        : `start the agent with --iptables ${other}, or load the kernel modules the "${backend.name}" backend needs`,
    };
  }
}
