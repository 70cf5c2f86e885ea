// How the director's apply scales with the table: N services x 10 NAT destinations through
// the real applier (createDirectorApplier, IpvsWriter) on the fake kernel, for a load into an
// empty table, one weight changed, a no-op, one realserver dropped (it drains) and a no-op
// while it drains (the sweep lists the whole table). Prints the time of each, the peak RSS and the
// longest event-loop block (the agent must answer Hello/Health/Status within 1 s meanwhile),
// and the state files (ownership, last plan) at that size.
//
//   node dist/bench/apply-scale.js [N ...]            default 200 2000 20000, one child process each
//   node dist/bench/apply-scale.js --timeout-s 600 …  a size not done by then is reported as such
//   node --cpu-prof dist/bench/apply-scale.js --one 20000   one size in this process (for profiling)
import { fork } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { startProfile, stopProfile } from './profiler';
import { summarizeProfile } from './profile-summary';
import winston from 'winston';
import { createDirectorApplier } from '../agent/director/applier';
import { FakeIpvs } from '../agent/kernel/fake/ipvs';
import { FakeMarks } from '../agent/kernel/fake/marks';
import { IpvsWriter } from '../agent/kernel/ipvs-writer';
import { ConfirmedIpvs } from '../agent/kernel/confirmed-ipvs';
import { readLastPlan, writeLastPlan } from '../agent/state/last-plan';
import { readOwnership } from '../agent/state/ownership';
import type { ApplyEvent } from '../lvs/apply-events';
import type { DirectorPlan } from '../lvs/host-plan';
import { loadAgentProto } from '../lvs/wire/proto-loader';

const DESTINATIONS = 10;

/** N TCP services on distinct VIPs (10.{0..}.x.y:80 and :443 alternating), 10 NAT realservers each. */
export function scalePlan(services: number, generation: number, weightOf: (service: number, rs: number) => number = () => 1): DirectorPlan {
  return {
    role: 'director',
    cluster: 'bench',
    host: 'd1',
    generation,
    services: Array.from({ length: services }, (_, i) => ({
      name: `svc${i}`,
      service: { key: { kind: 'tcp' as const, vip: `10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`, port: i % 2 ? 443 : 80 }, scheduler: 'wlc' as const, flags: [] },
      realservers: Array.from({ length: DESTINATIONS }, (_, r) => ({
        host: `rs${r}`,
        destination: { address: `172.16.${(i * DESTINATIONS + r) >> 16 & 255}.${((i * DESTINATIONS + r) >> 8) & 255}`, port: 8000 + ((i * DESTINATIONS + r) & 255), weight: weightOf(i, r), forwarding: 'nat' as const },
      })),
    })),
    marks: [],
  };
}

interface Phase {
  phase: string;
  ms: number;
  /** CPU time of the process (all its threads): less at the mercy of a busy machine than ms */
  cpuMs: number;
  /** the longest the event loop was blocked, per monitorEventLoopDelay */
  blockMs: number;
  /** the longest gap between ticks of a 50 ms interval (what a Health call would wait) */
  tickGapMs: number;
  outcome: string;
  events: number;
}

interface SizeResult {
  services: number;
  phases: Phase[];
  peakRssMb: number;
}

/** Runs `work` with an event-loop delay histogram and a 50 ms ticker around it. */
async function measured<T>(work: () => Promise<T>): Promise<{ value: T; ms: number; cpuMs: number; blockMs: number; tickGapMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  let last = performance.now();
  let tickGapMs = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    tickGapMs = Math.max(tickGapMs, now - last);
    last = now;
  }, 50);
  histogram.enable();
  // The histogram only counts from its first tick on: let it (and the ticker) start first.
  await new Promise((resolve) => setTimeout(resolve, 30));
  last = performance.now();
  const start = performance.now();
  const cpu = process.cpuUsage();
  // APPLY_SCALE_STALLS=1: each phase profiled, and what ran in its longest stalls printed (bench/profile-summary.ts)
  const stalls = process.env.APPLY_SCALE_STALLS === '1';
  if (stalls) await startProfile(1000);
  try {
    const value = await work();
    if (stalls) {
      for (const st of summarizeProfile(await stopProfile()).stalls.slice(0, 2)) {
        console.error(`  stall ${st.ms.toFixed(0)} ms: ${st.frames.map((f) => `${f.name} ${(f.share * 100).toFixed(0)}%`).join(' > ')} | self: ${st.self.map((f) => `${f.name} ${(f.share * 100).toFixed(0)}%`).join(', ')}`);
      }
    }
    const end = performance.now();
    const used = process.cpuUsage(cpu);
    tickGapMs = Math.max(tickGapMs, end - last);
    return { value, ms: end - start, cpuMs: (used.user + used.system) / 1000, blockMs: histogram.max / 1e6, tickGapMs };
  } finally {
    histogram.disable();
    clearInterval(ticker);
  }
}

export async function runSize(services: number): Promise<SizeResult> {
  loadAgentProto(); // an agent has it loaded since start: its gRPC server needs it
  const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lvsctl-bench-'));
  try {
    const ipvs = new FakeIpvs();
    // the door the agent puts over its backend (agent/start.ts), the fake's listing standing for /proc/net/ip_vs
    // rendered once the table changed, inside the batch: the kernel's rendering is not the agent's reading;
    // in slices, since the kernel renders its file beside the agent, not in its event loop
    let listing: string[] | undefined;
    const applyBatch = ipvs.applyBatch.bind(ipvs);
    ipvs.applyBatch = async (ops) => {
      try {
        await applyBatch(ops);
      } finally {
        listing = await ipvs.renderProcListing();
      }
    };
    const door = new ConfirmedIpvs({ backend: ipvs, readListing: async () => (listing ??= await ipvs.renderProcListing()) });
    // APPLY_SCALE_PARTS=1: each apply's parts (its phasesMs log field) and their page faults (pageFaults) printed
    const logger = process.env.APPLY_SCALE_PARTS === '1'
      ? winston.createLogger({ transports: [new winston.transports.Stream({ stream: process.stderr, format: winston.format.printf((info) => info.phasesMs ? `  parts: ${JSON.stringify(info.phasesMs)} faults: ${JSON.stringify(info.pageFaults)}` : '') })] })
      : winston.createLogger({ silent: true });
    const applier = createDirectorApplier({
      stateDir,
      logger,
      kernel: { ipvs: new IpvsWriter(door), marks: new FakeMarks() },
    });
    const phases: Phase[] = [];
    const apply = async (phase: string, plan: DirectorPlan): Promise<void> => {
      let events = 0;
      const emit = (_e: ApplyEvent): void => void events++;
      // as a controller asks (lvsctl rollout without --diff): no diff text
      const run = await measured(() => applier.apply(plan, 'apply', emit, { bytes: Buffer.alloc(0), omitDiff: true }));
      phases.push({ phase, ms: run.ms, cpuMs: run.cpuMs, blockMs: run.blockMs, tickGapMs: run.tickGapMs, outcome: `${run.value.outcome} ${run.value.changed}`, events });
      if (run.value.outcome === 'failed') throw new Error(`${phase} failed: ${run.value.message}`);
      ipvs.batches.length = 0; // the fake keeps every batch for tests to look at; an agent keeps none
    };
    const middle = services >> 1;
    const weighted = (s: number, r: number): number => (s === middle && r === 3 ? 5 : 1);
    await apply('load', scalePlan(services, 1));
    await apply('one weight', scalePlan(services, 2, weighted));
    await apply('no-op', scalePlan(services, 3, weighted));
    // A realserver dropped from one service drains (weight 0); it keeps a connection, so the
    // next apply's sweep (a listing of the whole table) finds it still draining.
    const withoutOne = (generation: number): DirectorPlan => {
      const plan = scalePlan(services, generation, weighted);
      const [dropped] = plan.services[middle].realservers.splice(3, 1);
      ipvs.setConnections(plan.services[middle].service.key, dropped.destination, 1);
      listing = undefined;
      return plan;
    };
    await apply('drop one (drain)', withoutOne(4));
    await apply('no-op, draining', withoutOne(5));

    const ownership = await measured(() => readOwnership(stateDir));
    phases.push({ phase: 'read ownership', ms: ownership.ms, cpuMs: ownership.cpuMs, blockMs: ownership.blockMs, tickGapMs: ownership.tickGapMs, outcome: `${ownership.value.services.length} services`, events: 0 });
    const plan = scalePlan(services, 5);
    const wrote = await measured(() => writeLastPlan(stateDir, plan));
    phases.push({ phase: 'write last plan', ms: wrote.ms, cpuMs: wrote.cpuMs, blockMs: wrote.blockMs, tickGapMs: wrote.tickGapMs, outcome: 'written', events: 0 });
    const read = await measured(() => readLastPlan(stateDir));
    const readBack = read.value?.role === 'director' ? read.value.services.length : -1;
    phases.push({ phase: 'read last plan', ms: read.ms, cpuMs: read.cpuMs, blockMs: read.blockMs, tickGapMs: read.tickGapMs, outcome: `${readBack} services`, events: 0 });
    return { services, phases, peakRssMb: process.resourceUsage().maxRSS / 1024 };
  } finally {
    await fs.rm(stateDir, { recursive: true, force: true });
  }
}

/** One child per size, so each peak RSS is that size's own. */
function runChild(services: number, timeoutS: number): Promise<SizeResult | string> {
  return new Promise((resolve) => {
    const child = fork(__filename, ['--one', String(services), '--json'], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutS * 1000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve(`did not finish within ${timeoutS} s`);
      else if (code !== 0) resolve(`exited with ${code}`);
      else resolve(JSON.parse(out) as SizeResult);
    });
  });
}

function print(results: Array<SizeResult | string>, sizes: number[]): void {
  const fixed = (n: number): string => n.toFixed(0).padStart(8);
  console.log(`${'N x 10'.padEnd(8)} ${'phase'.padEnd(16)} ${'ms'.padStart(8)} ${'CPU ms'.padStart(8)} ${'block ms'.padStart(8)} ${'tick gap'.padStart(8)}  outcome`);
  results.forEach((r, i) => {
    if (typeof r === 'string') {
      console.log(`${String(sizes[i]).padEnd(8)} ${r}`);
      return;
    }
    for (const p of r.phases) {
      console.log(`${String(r.services).padEnd(8)} ${p.phase.padEnd(16)} ${fixed(p.ms)} ${fixed(p.cpuMs)} ${fixed(p.blockMs)} ${fixed(p.tickGapMs)}  ${p.outcome}${p.events ? `, ${p.events} events` : ''}`);
    }
    console.log(`${String(r.services).padEnd(8)} ${'peak RSS'.padEnd(16)} ${fixed(r.peakRssMb)} MB`);
  });
}

async function main(argv: string[]): Promise<void> {
  const one = argv.indexOf('--one');
  if (one >= 0) {
    const result = await runSize(Number(argv[one + 1]));
    if (argv.includes('--json')) process.stdout.write(JSON.stringify(result));
    else print([result], [result.services]);
    return;
  }
  const timeoutAt = argv.indexOf('--timeout-s');
  const timeoutS = timeoutAt >= 0 ? Number(argv[timeoutAt + 1]) : 600;
  const sizes = argv.filter((a, i) => /^\d+$/.test(a) && (timeoutAt < 0 || i !== timeoutAt + 1)).map(Number);
  const wanted = sizes.length > 0 ? sizes : [200, 2_000, 20_000];
  const results: Array<SizeResult | string> = [];
  for (const n of wanted) results.push(await runChild(n, timeoutS));
  print(results, wanted);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
