// Running tools inside the lab's network namespaces: `ip netns exec NS FILE ARGS...`, an
// argument array all the way down (no shell), and the "every process in a namespace" view
// that stopping daemons and tearing down need.
import { readFile } from 'node:fs/promises';
import { createExec, type ExecOptions, type ExecResult } from '../../../agent/kernel/exec';

// UML makes every syscall slow, and a loaded CI host slower still: be generous.
export const LAB_EXEC_TIMEOUT_MS = 60_000;

const exec = createExec({ timeoutMs: LAB_EXEC_TIMEOUT_MS });

/** Run a tool in the guest's root namespace. */
export function run(file: string, args: readonly string[], options?: ExecOptions): Promise<ExecResult> {
  return exec(file, args, options);
}

/** Run a tool inside network namespace `ns`. */
export function inNetns(ns: string, file: string, args: readonly string[], options?: ExecOptions): Promise<ExecResult> {
  return exec('ip', ['netns', 'exec', ns, file, ...args], options);
}

/** `ip -n NS -batch -`: many ip commands for one namespace in one process. */
export async function ipBatch(ns: string | null, lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  const nsArgs = ns === null ? [] : ['-n', ns];
  await exec('ip', [...nsArgs, '-batch', '-'], { input: lines.join('\n') + '\n' });
}

/** Set sysctls inside a namespace in one process. */
export async function setSysctls(ns: string, values: Readonly<Record<string, string | number>>): Promise<void> {
  const pairs = Object.entries(values).map(([key, value]) => `${key}=${value}`);
  if (pairs.length > 0) await inNetns(ns, 'sysctl', ['-q', '-w', ...pairs]);
}

/** Process ids living in a namespace (`ip netns pids`). */
export async function netnsPids(ns: string): Promise<number[]> {
  const { stdout } = await run('ip', ['netns', 'pids', ns]);
  return stdout.split(/\s+/).filter((word) => word !== '').map(Number);
}

/** The short command name of a process, or null once it is gone. */
export async function processName(pid: number): Promise<string | null> {
  try {
    return (await readFile(`/proc/${pid}/comm`, 'utf8')).trim();
  } catch {
    return null;
  }
}

/** SIGTERM then, after `graceMs`, SIGKILL every process of `ns` whose name passes `which`; returns once they are gone (or 5 s after the SIGKILL). */
export async function killInNetns(ns: string, which: (name: string) => boolean = () => true, graceMs = 2000): Promise<void> {
  const victims: number[] = [];
  for (const pid of await netnsPids(ns)) {
    const name = await processName(pid);
    if (name !== null && which(name)) victims.push(pid);
  }
  for (const pid of victims) signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && (await anyAlive(victims))) await sleep(100);
  for (const pid of victims) signal(pid, 'SIGKILL');
  // gone before the caller deletes what they used (a namespace lives on while one of them does)
  const killDeadline = Date.now() + KILLED_EXIT_WAIT_MS;
  while (Date.now() < killDeadline && (await anyAlive(victims))) await sleep(50);
}

/** How long SIGKILLed processes are given to be gone (the guest's one CPU may be busy). */
const KILLED_EXIT_WAIT_MS = 5000;

async function anyAlive(pids: readonly number[]): Promise<boolean> {
  for (const pid of pids) if ((await processName(pid)) !== null) return true;
  return false;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone: that is what we wanted
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
