// A CPU profile of this very process through node's inspector (the same sampler as
// `node --cpu-prof`), switched on and off around the part that is measured, so a profile
// holds the apply and not the process start. Also times every execFile child (ipvsadm,
// iptables-save, …) while it runs: the time a process spends waiting on a tool shows in a
// CPU profile only as idle.
import inspector = require('node:inspector');
import childProcess = require('node:child_process');

export interface ExecRecord {
  file: string;
  args: string[];
  /** ms since the epoch */
  startedAt: number;
  ms: number;
  /** bytes fed on stdin, when known */
  inputBytes?: number;
}

export interface ProfileCapture {
  /** the V8 CPU profile (.cpuprofile format) */
  profile: unknown;
  execs: ExecRecord[];
  startedAt: number;
  stoppedAt: number;
  samplingIntervalUs: number;
}

type AnyFunction = (...args: unknown[]) => unknown;

let session: inspector.Session | undefined;
let execs: ExecRecord[] | undefined;
let startedAt = 0;
let interval = 1000;
let patched = false;

function post<T>(method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => {
    if (!session) return reject(new Error('no inspector session'));
    session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T)));
  });
}

/** Wraps child_process.execFile once, so each call made while profiling is timed. */
function patchExecFile(): void {
  if (patched) return;
  patched = true;
  const cp = childProcess as unknown as { execFile: AnyFunction };
  const original = cp.execFile;
  cp.execFile = function patchedExecFile(this: unknown, ...args: unknown[]): unknown {
    const records = execs;
    if (!records) return original.apply(this, args);
    const file = String(args[0]);
    const argv = Array.isArray(args[1]) ? (args[1] as unknown[]).map(String) : [];
    const t0 = Date.now();
    const p0 = performance.now();
    const at = args.findIndex((a) => typeof a === 'function');
    const record: ExecRecord = { file, args: argv.slice(0, 4), startedAt: t0, ms: NaN };
    records.push(record);
    if (at >= 0) {
      const callback = args[at] as AnyFunction;
      args[at] = function timedCallback(this: unknown, ...cbArgs: unknown[]): unknown {
        record.ms = performance.now() - p0;
        return callback.apply(this, cbArgs);
      };
    }
    const child = original.apply(this, args) as { stdin?: { end: AnyFunction } | null };
    // the input goes in through stdin.end(input): count its bytes
    const stdin = child.stdin;
    if (stdin) {
      const end = stdin.end.bind(stdin);
      stdin.end = (...endArgs: unknown[]): unknown => {
        const data = endArgs[0];
        if (typeof data === 'string') record.inputBytes = Buffer.byteLength(data);
        return end(...endArgs);
      };
    }
    return child;
  };
}

export async function startProfile(samplingIntervalUs = 1000): Promise<void> {
  if (!session) {
    session = new inspector.Session();
    session.connect();
  }
  patchExecFile();
  interval = samplingIntervalUs;
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval });
  execs = [];
  startedAt = Date.now();
  await post('Profiler.start');
}

export async function stopProfile(): Promise<ProfileCapture> {
  const { profile } = await post<{ profile: unknown }>('Profiler.stop');
  const capture: ProfileCapture = { profile, execs: execs ?? [], startedAt, stoppedAt: Date.now(), samplingIntervalUs: interval };
  execs = undefined;
  await post('Profiler.disable');
  return capture;
}

export function profiling(): boolean {
  return execs !== undefined;
}
