// Readiness for systemd (Type=notify in packaging/lvsctl-agent.service): once the agent
// listens it says READY=1 on the datagram socket systemd names in NOTIFY_SOCKET. Node has no
// unix datagram sockets, so the message is sent by systemd's own `systemd-notify`, run by
// execFile: it ships wherever NOTIFY_SOCKET can be set, needs no native addon, and from
// systemd 246 on waits until the manager has read the message (a barrier), so the message is
// never lost to its sender exiting first. Being a child of the agent it needs the unit's
// NotifyAccess=all. Outside systemd (no NOTIFY_SOCKET) nothing is sent.
import { execFile } from 'node:child_process';

export type RunFile = (file: string, args: readonly string[], options: { timeoutMs: number; env: NodeJS.ProcessEnv }) => Promise<void>;

const runFile: RunFile = (file, args, options) =>
  new Promise((resolve, reject) => {
    execFile(file, [...args], { timeout: options.timeoutMs, env: options.env, encoding: 'utf8' }, (error, _stdout, stderr) => {
      if (error === null) return resolve();
      const why = (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? `${file} is not installed (it comes with systemd)`
        : `${file} ${args.join(' ')} failed: ${stderr.trim() || error.message}`;
      reject(new Error(why));
    });
  });

/** systemd-notify's own barrier waits up to 5 s for the manager; this bounds the whole call. */
const NOTIFY_TIMEOUT_MS = 15_000;

export interface NotifyDeps {
  env?: NodeJS.ProcessEnv;
  run?: RunFile;
  /** the program that sends the datagram */
  notifier?: string;
}

/**
 * READY=1 and a STATUS= line to the service manager; 'not-under-systemd' without
 * NOTIFY_SOCKET. Rejects with the reason when the message could not be sent: systemd then
 * fails the start after TimeoutStartSec, and the agent's log says why.
 */
export async function notifyReady(status: string, deps: NotifyDeps = {}): Promise<'sent' | 'not-under-systemd'> {
  const env = deps.env ?? process.env;
  if (!env.NOTIFY_SOCKET) return 'not-under-systemd';
  await (deps.run ?? runFile)(deps.notifier ?? 'systemd-notify', ['--ready', `--status=${status}`], { timeoutMs: NOTIFY_TIMEOUT_MS, env });
  return 'sent';
}
