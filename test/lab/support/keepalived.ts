// keepalived in a lab director's namespace, as an operator runs it: Debian's binary, VRRP
// only, its config where the agent writes it (--keepalived-config) and its own pid files
// (the namespaces share one file system). kill() is a crash: SIGKILL to the VRRP process
// first (killed after its parent it would still send a goodbye advert with priority 0),
// then to the rest; the addresses stay where they were.
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LAB_TMP } from './agents';
import { netnsPids, processName, run, sleep } from './netns';

export interface LabKeepalived {
  ns: string;
  configPath: string;
  pidFile: string;
  /** the agent arguments that point it at this keepalived */
  agentArgs: string[];
  start(): Promise<void>;
  kill(): Promise<void>;
  log(): Promise<string>;
}

export function labKeepalived(ns: string): LabKeepalived {
  const dir = join(LAB_TMP, `keepalived-${ns}`);
  const configPath = join(dir, 'keepalived.conf');
  const pidFile = join(dir, 'keepalived.pid');
  const logPath = join(dir, 'keepalived.log');
  const running = async (): Promise<boolean> => {
    const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
    return pid > 1 && (await processName(pid)) === 'keepalived';
  };
  return {
    ns,
    configPath,
    pidFile,
    agentArgs: ['--keepalived-config', configPath, '--keepalived-pidfile', pidFile],
    async start() {
      await mkdir(dir, { recursive: true });
      const out = openSync(logPath, 'a');
      try {
        const child = spawn('ip', ['netns', 'exec', ns, 'keepalived', '--vrrp', '--dont-fork', '--log-console', '--log-detail',
          '--use-file', configPath, '--pid', pidFile, '--vrrp_pid', join(dir, 'vrrp.pid'), '--checkers_pid', join(dir, 'checkers.pid')],
        { detached: true, stdio: ['ignore', out, out] });
        child.unref();
      } finally {
        closeSync(out);
      }
      const deadline = Date.now() + 30_000;
      while (!(await running())) {
        if (Date.now() > deadline) throw new Error(`keepalived in ${ns} did not start within 30 s:\n${await readFile(logPath, 'utf8').catch(() => '')}`);
        await sleep(200);
      }
    },
    async kill() {
      const vrrp = Number((await readFile(join(dir, 'vrrp.pid'), 'utf8').catch(() => '')).trim());
      if (vrrp > 1 && (await processName(vrrp)) === 'keepalived') {
        try { process.kill(vrrp, 'SIGKILL'); } catch { /* gone */ }
      }
      for (const pid of await netnsPids(ns)) {
        if ((await processName(pid)) === 'keepalived') {
          try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
        }
      }
    },
    log: () => readFile(logPath, 'utf8').catch(() => ''),
  };
}

/** Whether `address` is on `device` in `ns` (one `ip` run). */
export async function hasAddress(ns: string, device: string, address: string): Promise<boolean> {
  const { stdout } = await run('ip', ['-n', ns, '-o', 'addr', 'show', 'dev', device]);
  return stdout.split('\n').some((line) => line.includes(` ${address}/`));
}

/** Polls until `check` is true; resolves with the milliseconds since `sinceMs`, or throws after `limitMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, sinceMs: number, limitMs: number): Promise<number> {
  for (;;) {
    if (await check()) return Date.now() - sinceMs;
    if (Date.now() - sinceMs > limitMs) throw new Error(`${what}: not within ${limitMs} ms`);
    await sleep(50);
  }
}
