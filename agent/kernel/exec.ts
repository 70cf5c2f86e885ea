// The one door to the kernel's tools: execFile with an argument array (never a shell),
// optional stdin (for `ipvsadm -R` and `iptables-restore`), a timeout and bounded output.
// Injected everywhere so the Linux backends can be tested with a recorder.
import { execFile, type ExecFileException } from 'node:child_process';

export interface ExecOptions {
  /** written to the child's stdin, which is then closed */
  input?: string;
  timeoutMs?: number;
  /** bytes of stdout (and of stderr) kept before the child is killed */
  maxOutputBytes?: number;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
}

export type Exec = (file: string, args: readonly string[], options?: ExecOptions) => Promise<ExecResult>;

/** A tool that could not be run or exited non-zero; says which command and why. */
export class ExecError extends Error {
  constructor(
    readonly file: string,
    readonly args: readonly string[],
    readonly reason: 'not-found' | 'timeout' | 'exit' | 'output-too-large' | 'spawn',
    readonly exitCode: number | null,
    readonly stderr: string,
    detail: string,
  ) {
    super(`${[file, ...args].join(' ')}: ${detail}`);
    this.name = 'ExecError';
  }
}

export const DEFAULT_TIMEOUT_MS = 120_000;
// `ipvsadm -S -n` of 2,000 services x 10 destinations is about 1.5 MB; leave room.
export const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/** The real thing: child_process.execFile, no shell. */
export function createExec(defaults: { timeoutMs?: number; maxOutputBytes?: number } = {}): Exec {
  return (file, args, options = {}) =>
    new Promise<ExecResult>((resolve, reject) => {
      const timeout = options.timeoutMs ?? defaults.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      const maxBuffer = options.maxOutputBytes ?? defaults.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
      const child = execFile(
        file,
        [...args],
        { timeout, maxBuffer, encoding: 'utf8', shell: false, windowsHide: true },
        (error: ExecFileException | null, stdout: string, stderr: string) => {
          if (!error) return resolve({ stdout, stderr });
          reject(toExecError(file, args, error, stderr, timeout));
        },
      );
      // A child that exits before reading all of stdin gives EPIPE; its exit status tells the story.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(options.input ?? '');
    });
}

function toExecError(file: string, args: readonly string[], error: ExecFileException, stderr: string, timeout: number): ExecError {
  const err = stderr.trim();
  if (error.code === 'ENOENT') {
    return new ExecError(file, args, 'not-found', null, err, `${file} is not installed (not found in PATH)`);
  }
  if (error.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
    return new ExecError(file, args, 'output-too-large', null, err, 'output exceeded the limit; the process was killed');
  }
  if (error.killed && error.signal) {
    return new ExecError(file, args, 'timeout', null, err, `no answer within ${timeout} ms; killed with ${error.signal}`);
  }
  if (typeof error.code === 'number') {
    return new ExecError(file, args, 'exit', error.code, err, `exited with status ${error.code}${err ? `: ${err}` : ''}`);
  }
  return new ExecError(file, args, 'spawn', null, err, error.message);
}
