// `lvsctl ARGS` run inside the lab's mocha process instead of a new node process: the same
// main(argv) the binary runs, with its stdout, stderr, exit code and environment captured.
// Why: in the UML guest every clock_gettime is a real system call, and a fresh node that
// loads the CLI costs 15-20 s (docs/lab.md); one scenario runs the CLI many times. The
// scenarios that must prove the binary itself pass `spawnCli` to startLabCluster.
import { main } from '../../../controller/cli/program';
import { ipBatch } from './netns';
import type { CommandResult } from './agents';

/** Runs one at a time: stdout, stderr, the environment and process.exitCode are process-wide. */
let queue: Promise<unknown> = Promise.resolve();

export function runLvsctlInProcess(args: readonly string[], options: { timeoutMs: number; env?: Readonly<Record<string, string>> }): Promise<CommandResult> {
  const next = queue.then(() => runNow(args, options));
  queue = next.catch(() => undefined);
  return next;
}

async function runNow(args: readonly string[], options: { timeoutMs: number; env?: Readonly<Record<string, string>> }): Promise<CommandResult> {
  const out: string[] = [];
  const err: string[] = [];
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  const savedExitCode = process.exitCode;
  const savedEnv = new Map(Object.keys(options.env ?? {}).map((name) => [name, process.env[name]]));
  const capture = (into: string[]) =>
    ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof process.stdout.write;
  process.stdout.write = capture(out);
  process.stderr.write = capture(err);
  Object.assign(process.env, options.env ?? {});
  let timer: NodeJS.Timeout | undefined;
  try {
    const timedOut = new Promise<number>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`lvsctl ${args.join(' ')}: still running after ${options.timeoutMs} ms (in process)`)), options.timeoutMs);
    });
    const code = await Promise.race([main(['node', 'lvsctl', ...args]), timedOut]);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    clearTimeout(timer);
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
    process.exitCode = savedExitCode;
    for (const [name, value] of savedEnv) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/**
 * Gives the guest's root namespace (where mocha runs) an address on the lab bridge, so the
 * in-process controller reaches the agents as the client namespace would: `.254` of the
 * first host's /24.
 */
export async function joinLabBridge(bridge: string, someHostAddress: string): Promise<string> {
  const address = someHostAddress.replace(/\.\d+$/, '.254');
  await ipBatch(null, [`addr replace ${address}/24 dev ${bridge}`]);
  return address;
}
