// The real `lvsctl` binary as a process the test holds on to: its output as it comes, and a
// way to kill it mid-run (a controller that dies, or is killed, while a director applies).
// runLvsctl (agents.ts) waits for the end instead; this one hands the process over.
import { spawn } from 'node:child_process';
import { LVSCTL_MAIN, programArgv } from './agents';

export interface SpawnedEnd {
  /** the exit status, or null when a signal ended it */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface SpawnedCli {
  pid: number;
  /** everything it printed on stdout so far */
  stdout(): string;
  /** resolves when it has ended, however */
  ended: Promise<SpawnedEnd>;
  /** SIGKILL (by default) to this process alone; resolves once it has ended */
  kill(signal?: NodeJS.Signals): Promise<SpawnedEnd>;
}

/** `node dist/controller/cli/main.js ARGS` (or the packaged `program`) in namespace `ns`, started and handed over at once. */
export function spawnLvsctl(ns: string, args: readonly string[], env: Readonly<Record<string, string>> = {}, program?: string): SpawnedCli {
  // `ip netns exec` execs it: the pid is lvsctl's own
  const child = spawn('ip', ['netns', 'exec', ns, ...programArgv(program, LVSCTL_MAIN), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env },
  });
  const out: string[] = [];
  const err: string[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => out.push(chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => err.push(chunk));
  const ended = new Promise<SpawnedEnd>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal, stdout: out.join(''), stderr: err.join('') }));
    child.once('error', (error) => resolve({ code: null, signal: null, stdout: out.join(''), stderr: `${err.join('')}${error.message}` }));
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`lvsctl ${args.join(' ')} in netns ${ns}: started without a pid`);
  return {
    pid,
    stdout: () => out.join(''),
    ended,
    kill: (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return ended;
    },
  };
}
