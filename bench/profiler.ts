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
  /** the event loop's turns that came late (gaps of a 20 ms timer over STALL_MS), µs of the monotonic clock */
  stalls?: Stall[];
  /** the monotonic clock (µs) when the profiler started: aligns stalls with the profile's own startTime */
  startedAtUs?: number;
}

export interface Stall {
  fromUs: number;
  toUs: number;
}

/** A turn of the event loop this late is a stall a Hello would have waited through. */
const STALL_MS = 250;
const TICK_MS = 20;

type AnyFunction = (...args: unknown[]) => unknown;

let session: inspector.Session | undefined;
let execs: ExecRecord[] | undefined;
let startedAt = 0;
let interval = 1000;
let patched = false;
let stalls: Stall[] = [];
let stallTimer: NodeJS.Timeout | undefined;
let startedAtUs = 0;

const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

/** A timer every TICK_MS; a tick that comes STALL_MS late means the loop was held that long. */
function watchStalls(): void {
  stalls = [];
  let last = monotonicUs();
  stallTimer = setInterval(() => {
    const now = monotonicUs();
    if (now - last > (STALL_MS + TICK_MS) * 1000) stalls.push({ fromUs: last, toUs: now });
    last = now;
  }, TICK_MS);
  stallTimer.unref();
}

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

/**
 * `watchForStalls`: time the event loop's turns as well (a 20 ms timer; a process whose work
 * is a few ms a rollout, such as a fan-out's realserver agent, would mostly profile that timer).
 */
export async function startProfile(samplingIntervalUs = 1000, watchForStalls = true): Promise<void> {
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
  startedAtUs = monotonicUs();
  await post('Profiler.start');
  stalls = [];
  if (watchForStalls) watchStalls();
}

export async function stopProfile(): Promise<ProfileCapture> {
  if (stallTimer) clearInterval(stallTimer);
  stallTimer = undefined;
  const { profile } = await post<{ profile: unknown }>('Profiler.stop');
  const capture: ProfileCapture = { profile, execs: execs ?? [], startedAt, stoppedAt: Date.now(), samplingIntervalUs: interval, stalls, startedAtUs };
  execs = undefined;
  await post('Profiler.disable');
  return capture;
}

export function profiling(): boolean {
  return execs !== undefined;
}
