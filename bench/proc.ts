// Small, bounded process and /proc helpers for the benchmark (guest and host alike): run a
// program with a timeout, start an lvsctl-agent and wait until it serves, read a process's
// memory, find an apply's start and end in an agent's JSON log.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** dist/ of the checkout: this file runs as dist/bench/proc.js. */
export const DIST = join(__dirname, '..');
export const CHECKOUT = join(DIST, '..');
export const AGENT_MAIN = join(DIST, 'agent', 'main.js');
export const LVSCTL_MAIN = join(DIST, 'controller', 'cli', 'main.js');

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Milliseconds on a monotonic clock. */
export function now(): number {
  return performance.now();
}

export interface RunResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

/**
 * Runs FILE ARGS (no shell), feeding `input` on stdin; never throws for a non-zero exit.
 * Killed (SIGKILL) after `timeoutMs`, which is then `timedOut`. Output beyond `maxBytes` is dropped.
 */
export function run(file: string, args: readonly string[], options: { timeoutMs: number; input?: string; env?: NodeJS.ProcessEnv; maxBytes?: number }): Promise<RunResult> {
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  return new Promise((resolve) => {
    const started = now();
    const child = spawn(file, [...args], { stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let timedOut = false;
    child.stdout.on('data', (b: Buffer) => { if ((outBytes += b.length) <= maxBytes) out.push(b); });
    child.stderr.on('data', (b: Buffer) => { if ((errBytes += b.length) <= maxBytes) err.push(b); });
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, options.timeoutMs);
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
    const done = (code: number | null, signal: string | null): void => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), ms: now() - started, timedOut });
    };
    child.on('error', (e) => { err.push(Buffer.from(String(e))); done(null, null); });
    child.on('close', done);
  });
}

/** run(), but a non-zero exit or a timeout is an error naming the command and its stderr. */
export async function runOk(file: string, args: readonly string[], options: { timeoutMs: number; input?: string; env?: NodeJS.ProcessEnv }): Promise<RunResult> {
  const r = await run(file, args, options);
  if (r.code !== 0) {
    const why = r.timedOut ? `still running after ${options.timeoutMs} ms (killed)` : `exited ${r.code ?? r.signal}`;
    throw new Error(`${[file, ...args].join(' ')}: ${why}: ${r.stderr.trim().slice(-2000)}`);
  }
  return r;
}

export interface Memory {
  /** resident set now, kB */
  rssKb: number;
  /** the highest resident set so far, kB */
  hwmKb: number;
}

export function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!m) throw new Error(`/proc/${pid}/status has no ${name}`);
    return Number(m[1]);
  };
  return { rssKb: field('VmRSS'), hwmKb: field('VmHWM') };
}

export interface AgentSpec {
  /** a label for messages and the log file, e.g. "lvs1" */
  name: string;
  role: 'director' | 'realserver';
  /** null: this process's own network namespace; a name: `ip netns exec NAME`; a path (/proc/PID/ns/net): `nsenter --net=PATH` */
  netns: string | null;
  listen: string;
  ca: string;
  cert: string;
  key: string;
  stateDir: string;
  logPath: string;
  extraArgs?: readonly string[];
  /** added to the agent's environment (e.g. NODE_OPTIONS for the profiling hook) */
  env?: Readonly<Record<string, string>>;
}

export interface RunningAgent {
  spec: AgentSpec;
  pid: number;
  /** SIGTERM, SIGKILL after graceMs; resolves once it exited */
  stop(graceMs?: number): Promise<void>;
  exited(): boolean;
}

export function agentArgs(spec: AgentSpec): string[] {
  return [
    '--role', spec.role, '--listen', spec.listen,
    '--ca', spec.ca, '--cert', spec.cert, '--key', spec.key,
    '--allow', 'controller', '--state-dir', spec.stateDir,
    ...(spec.extraArgs ?? []),
  ];
}

/** ARGV run in a network namespace: ours (null), a named one (ip netns), or one entered by its file (nsenter); both exec ARGV, so its pid is the agent's. */
export function enterNetns(netns: string | null, argv: readonly string[]): string[] {
  if (netns === null) return [...argv];
  return netns.startsWith('/') ? ['nsenter', `--net=${netns}`, '--', ...argv] : ['ip', 'netns', 'exec', netns, ...argv];
}

/** Starts `lvsctl-agent` detached, its JSON log in spec.logPath; resolves once it logged "agent started". */
export async function startAgent(spec: AgentSpec, startTimeoutMs: number): Promise<RunningAgent> {
  await mkdir(dirname(spec.logPath), { recursive: true });
  await mkdir(spec.stateDir, { recursive: true });
  const fd = openSync(spec.logPath, 'w');
  let child: ChildProcess;
  try {
    const argv = [process.execPath, AGENT_MAIN, ...agentArgs(spec)];
    const [file, ...args] = enterNetns(spec.netns, argv);
    child = spawn(file as string, args, { detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, ...spec.env } });
  } finally {
    closeSync(fd);
  }
  child.unref();
  let exit: string | undefined;
  const gone = new Promise<void>((resolve) => child.once('exit', (code, signal) => { exit = signal ?? `status ${code}`; resolve(); }));
  child.once('error', (e) => { exit = e.message; });
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    const log = await readFile(spec.logPath, 'utf8').catch(() => '');
    if (log.includes('"agent started"')) break;
    if (exit !== undefined || Date.now() > deadline) {
      if (exit === undefined) child.kill('SIGKILL');
      throw new Error(`lvsctl-agent ${spec.name} (${spec.role}, ${spec.listen}) ${exit === undefined ? `did not start within ${startTimeoutMs} ms` : `exited (${exit})`}; its log:\n${log.trim().slice(-3000) || '(empty)'}`);
    }
    await sleep(100);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`lvsctl-agent ${spec.name}: no pid`);
  return {
    spec,
    pid,
    exited: () => exit !== undefined,
    stop: async (graceMs = 15_000) => {
      if (exit !== undefined) return;
      // detached and unref'd: hold the event loop open until it is gone
      child.ref();
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await gone;
      clearTimeout(timer);
    },
  };
}

export interface ApplyWindow {
  host: string;
  generation: string;
  mode: string;
  /** ms since the epoch, from the log lines' timestamps */
  startedAt: number;
  finishedAt?: number;
  outcome?: string;
  changed?: number;
  /** a director's "director apply finished" line: ms per part of the apply (agent/director/apply-phases.ts) */
  phasesMs?: Record<string, number>;
  /** the same line's minor page faults per part (each a trap into the guest's user-mode kernel) */
  pageFaults?: Record<string, number>;
  /** ms of the whole apply that V8's collector ran (its "apply finished" line), inside the parts */
  gcMs?: number;
  /** how the agent's IPVS door answered each read of that apply */
  ipvsReads?: Record<string, { kind: string; servicesReadAgain: number; servicesFromListing: number }>;
  /** the request's decode before "apply started" (that line's decodeMs, decodeCpuMs, decodePageFaults), when logged */
  decode?: { ms: number; cpuMs?: number; pageFaults?: number };
}

/** The JSON lines of an agent's log, each with its time (ms since the epoch); other lines skipped. */
function* logEntries(log: string): Generator<{ entry: Record<string, unknown>; at: number }> {
  for (const line of log.split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    yield { entry, at: Date.parse(String(entry.timestamp)) };
  }
}

export interface IdleCollection {
  /** ms since the epoch, when it ended */
  at: number;
  ms: number;
  heapBeforeMiB: number;
  heapAfterMiB: number;
}

/** Every "collected while idle" line of an agent's JSON log (agent/idle-collect.ts), in order. */
export function idleCollections(log: string): IdleCollection[] {
  const found: IdleCollection[] = [];
  for (const { entry, at } of logEntries(log)) {
    if (entry.message !== 'collected while idle') continue;
    found.push({ at, ms: Number(entry.ms), heapBeforeMiB: Number(entry.heapBeforeMiB), heapAfterMiB: Number(entry.heapAfterMiB) });
  }
  return found;
}

/** What the agent's start line says of V8's optimizing compiler ("off (auto: one CPU, …)"); undefined from an agent that does not say. */
export function optimizingCompilerOf(log: string): string | undefined {
  for (const { entry } of logEntries(log)) {
    if (entry.message === 'agent started' && typeof entry.optimizingCompiler === 'string') return entry.optimizingCompiler;
  }
  return undefined;
}

/** Every "apply started" … "apply finished" pair in an agent's JSON log, in order. */
export function applyWindows(log: string): ApplyWindow[] {
  const windows: ApplyWindow[] = [];
  for (const { entry, at } of logEntries(log)) {
    if (String(entry.message).startsWith('director apply finished') && typeof entry.phasesMs === 'object' && entry.phasesMs !== null) {
      const open = windows[windows.length - 1];
      if (open && open.finishedAt === undefined) {
        open.phasesMs = entry.phasesMs as Record<string, number>;
        if (typeof entry.pageFaults === 'object' && entry.pageFaults !== null) open.pageFaults = entry.pageFaults as Record<string, number>;
        if (typeof entry.ipvsReads === 'object' && entry.ipvsReads !== null) open.ipvsReads = entry.ipvsReads as ApplyWindow['ipvsReads'];
      }
    } else if (entry.message === 'applied plan kept and handed over') {
      // after "director apply finished", before "apply finished": two more parts of the same apply
      const open = windows[windows.length - 1];
      if (open && open.finishedAt === undefined && open.phasesMs) {
        open.phasesMs = { ...open.phasesMs, lastPlan: Number(entry.lastPlanMs), healthHandOver: Number(entry.handOverMs) };
      }
    } else if (entry.message === 'apply started') {
      const decode = typeof entry.decodeMs === 'number'
        ? { decode: { ms: entry.decodeMs, ...numberField('cpuMs', entry.decodeCpuMs), ...numberField('pageFaults', entry.decodePageFaults) } }
        : {};
      windows.push({ host: String(entry.host), generation: String(entry.generation), mode: String(entry.mode), startedAt: at, ...decode });
    } else if (entry.message === 'apply finished') {
      const open = [...windows].reverse().find((w) => w.finishedAt === undefined && w.generation === String(entry.generation));
      if (open) {
        open.finishedAt = at;
        open.outcome = String(entry.outcome);
        open.changed = Number(entry.changed);
        // the generation recorded (from the applier's result on, beside the two parts above), before the result is sent
        if (open.phasesMs && typeof entry.recordMs === 'number') open.phasesMs = { ...open.phasesMs, generation: entry.recordMs };
        if (typeof entry.gcMs === 'number') open.gcMs = entry.gcMs;
      }
    }
  }
  return windows;
}

/** `{ [name]: value }` when the log gave a number, else nothing (an older agent's line) */
function numberField(name: string, value: unknown): Record<string, number> {
  return typeof value === 'number' ? { [name]: value } : {};
}

/**
 * The wall time of an apply's parts: one after another, but the generation's record runs
 * beside the last-plan file and the health hand-over (agent-service.ts), so only what it
 * takes beyond those two counts.
 */
export function partsWallMs(parts: Readonly<Record<string, number>>): number {
  const { generation = 0, ...inTurn } = parts;
  const besideIt = (inTurn.lastPlan ?? 0) + (inTurn.healthHandOver ?? 0);
  return Object.values(inTurn).reduce((sum, ms) => sum + ms, 0) + Math.max(0, generation - besideIt);
}

/** `lvsctl-agent --help` names `--ipvs` with a netlink choice: the agent can take `--ipvs netlink`. */
export function agentTakesIpvsNetlink(helpText: string): boolean {
  const lines = helpText.split('\n');
  const at = lines.findIndex((l) => /^\s*--ipvs\b/.test(l));
  if (at < 0) return false;
  const block = [lines[at] ?? ''];
  for (const line of lines.slice(at + 1)) {
    if (/^\s*-/.test(line) || line.trim() === '') break;
    block.push(line);
  }
  return /netlink/.test(block.join(' '));
}
