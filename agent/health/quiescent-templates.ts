// Persistence templates and quiesced realservers. A persistent service keeps a template per
// client (`ipvsadm -Lcn`, client port 0) that pins the client to one realserver; weight 0
// alone does not stop that: the template still sends the client's new connections to the
// quiesced realserver until it expires. With net.ipv4.vs.expire_quiescent_template=1 the
// kernel expires a template as soon as it would schedule to a weight-0 destination, so the
// client is rescheduled to a live realserver. The director agent sets it once at start.

export const EXPIRE_QUIESCENT_TEMPLATE = '/proc/sys/net/ipv4/vs/expire_quiescent_template';

/** Reads and writes procfs files; injected so this is testable without a kernel. */
export interface ProcFiles {
  read(path: string): Promise<string>;
  write(path: string, value: string): Promise<void>;
}

export interface SysctlOutcome {
  path: string;
  before: string;
  changed: boolean;
}

/**
 * Makes sure expire_quiescent_template is 1. Fails with a message that names the file and
 * the cause (no IPVS module loaded: the file does not exist; not root: permission denied).
 */
export async function ensureExpireQuiescentTemplate(proc: ProcFiles): Promise<SysctlOutcome> {
  let before: string;
  try {
    before = (await proc.read(EXPIRE_QUIESCENT_TEMPLATE)).trim();
  } catch (err) {
    throw new Error(
      `cannot read ${EXPIRE_QUIESCENT_TEMPLATE} (${describe(err)}): is the ip_vs module loaded? (modprobe ip_vs)`,
    );
  }
  if (before === '1') return { path: EXPIRE_QUIESCENT_TEMPLATE, before, changed: false };
  try {
    await proc.write(EXPIRE_QUIESCENT_TEMPLATE, '1\n');
  } catch (err) {
    throw new Error(
      `cannot set ${EXPIRE_QUIESCENT_TEMPLATE} to 1 (${describe(err)}): the agent must run as root; ` +
        'or set it yourself: sysctl -w net.ipv4.vs.expire_quiescent_template=1',
    );
  }
  return { path: EXPIRE_QUIESCENT_TEMPLATE, before, changed: true };
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
