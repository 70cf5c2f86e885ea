// Runs the built lvsctl binary as a child process: its exit, not a resolved promise, is the
// proof that nothing (a socket, a timer, a channel) keeps the event loop alive once the
// command is done. A child still running after `killAfterMs` is killed and reported as such.
import { spawn, type ChildProcess } from 'child_process';
import { join } from 'path';

// dist/test/integration/support/ → dist/controller/cli/main.js
const LVSCTL = join(__dirname, '..', '..', '..', 'controller', 'cli', 'main.js');

export interface LvsctlExit {
  /** null when it had to be killed */
  code: number | null;
  /** true when it was still running after killAfterMs */
  killed: boolean;
  stdout: string;
  stderr: string;
  /** from spawn to exit */
  ms: number;
}

export interface LvsctlRun {
  /** generous: a bound for the test, never a measure of it */
  killAfterMs: number;
  /** sees stdout as it grows (e.g. to act when a line shows) */
  onStdout?: (stdout: string) => void;
}

/** The environment without LVSCTL_* so that only the arguments choose the TLS files. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('LVSCTL_')));
}

export function runLvsctl(args: readonly string[], run: LvsctlRun): Promise<LvsctlExit> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child: ChildProcess = spawn(process.execPath, [LVSCTL, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv() });
    let stdout = '';
    let stderr = '';
    let killed = false;
    const killer = setTimeout(() => { killed = true; child.kill('SIGKILL'); }, run.killAfterMs);
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      run.onStdout?.(stdout);
    });
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => { clearTimeout(killer); reject(err); });
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, killed, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** The exit as a message for a failed assertion. */
export function shown(exit: LvsctlExit): string {
  return `exit ${exit.code}${exit.killed ? ' (killed: still running)' : ''} after ${exit.ms} ms\n--- stdout\n${exit.stdout}--- stderr\n${exit.stderr}`;
}
