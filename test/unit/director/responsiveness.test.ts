// The agent answers Hello, Health and Status on the event loop its applies run on: a 20,000
// services x 10 destinations apply must leave it free at least every second. A real timer
// probe ticks every 50 ms during the apply; the longest wait between ticks is what an RPC
// arriving then would wait. Slices end after 20 ms of work (lvs/yield-point.ts); the test
// bounds the work done between two ticks (this process's CPU time, which other processes on
// a busy machine do not stretch) at 1 s, room for the garbage collector's pauses.
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { DirectorPlan } from '../../../lvs/host-plan';
import { pauseCount } from '../../../lvs/yield-point';
import { directorRig } from './rig';

const SERVICES = 20_000;
const DESTINATIONS = 10;

function bigPlan(): DirectorPlan {
  return {
    role: 'director',
    cluster: 'test',
    host: 'd1',
    generation: 1,
    services: Array.from({ length: SERVICES }, (_, i) => ({
      name: `svc${i}`,
      service: { key: { kind: 'tcp' as const, vip: `10.100.${i >> 8}.${i & 255}`, port: 80 }, scheduler: 'wlc' as const, flags: [] },
      realservers: Array.from({ length: DESTINATIONS }, (_, r) => ({
        host: `rs${r}`,
        destination: { address: `172.16.${r}.${(i >> 8) & 255}`, port: 8000 + (i & 255), weight: 1, forwarding: 'nat' as const },
      })),
    })),
    marks: [],
  };
}

/** CPU time (user + system) this process has used, in ms. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Ticks every 50 ms until stopped; stop() gives the longest wait between ticks in wall time
 * and in this process's CPU time. The CPU time is what the work between two ticks cost: a
 * loaded machine stretches the wall-clock gap (other processes run), not the CPU one.
 */
function timerProbe(): { stop(): { wallMs: number; cpuMs: number } } {
  let last = performance.now();
  let lastCpu = cpuMs();
  let longest = 0;
  let longestCpu = 0;
  const tick = (): void => {
    const now = performance.now();
    const cpu = cpuMs();
    longest = Math.max(longest, now - last);
    longestCpu = Math.max(longestCpu, cpu - lastCpu);
    last = now;
    lastCpu = cpu;
  };
  const timer = setInterval(tick, 50);
  return {
    stop() {
      clearInterval(timer);
      tick();
      return { wallMs: longest, cpuMs: longestCpu };
    },
  };
}

describe('a 20,000 x 10 apply on the fake kernel', () => {
  it('lets a 50 ms timer tick at least once a second throughout', async function () {
    this.timeout(60_000);
    const rig = await directorRig();
    try {
      const plan = bigPlan();
      const pausesBefore = pauseCount();
      const start = performance.now();
      const probe = timerProbe();
      const { result, events } = await rig.run(plan);
      const longestGap = probe.stop();
      console.log(`      the longest wait between two ticks: ${Math.round(longestGap.wallMs)} ms (${Math.round(longestGap.cpuMs)} ms of CPU); the apply took ${Math.round(performance.now() - start)} ms`);
      const elapsed = performance.now() - start;
      const pauses = pauseCount() - pausesBefore;

      assert.equal(result.outcome, 'changed', result.message);
      assert.equal(result.changed, SERVICES * (DESTINATIONS + 1));
      assert.equal(events.length, SERVICES + 3, 'a step per service (added with its destinations), the two diffs and the result');
      // CPU time, not wall time: another process on a busy machine must not fail this test.
      assert.ok(longestGap.cpuMs < 1000, `the event loop was held by ${Math.round(longestGap.cpuMs)} ms of work at once (the apply took ${Math.round(elapsed)} ms)`);
      // The work was sliced, not merely fast: it gave the loop its turn at least once a second.
      assert.ok(pauses >= elapsed / 1000, `${pauses} pauses in ${Math.round(elapsed)} ms`);
    } finally {
      await fs.rm(rig.stateDir, { recursive: true, force: true });
    }
  });
});
