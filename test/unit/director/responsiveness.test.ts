// The agent answers Hello, Health and Status on the event loop its applies run on: a 20,000
// services x 10 destinations apply must leave it free at least every second. A real timer
// probe ticks every 50 ms during the apply; the longest wait between ticks is what an RPC
// arriving then would wait. Slices end after 20 ms of work (lvs/yield-point.ts), so 1 s
// leaves room for a busy two-core machine and for the garbage collector's pauses.
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

/** Ticks every 50 ms until stopped; stop() gives the longest wait between ticks (the last one up to now). */
function timerProbe(): { stop(): number } {
  let last = performance.now();
  let longest = 0;
  const tick = (): void => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  };
  const timer = setInterval(tick, 50);
  return {
    stop() {
      clearInterval(timer);
      tick();
      return longest;
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
      const elapsed = performance.now() - start;
      const pauses = pauseCount() - pausesBefore;

      assert.equal(result.outcome, 'changed', result.message);
      assert.equal(result.changed, SERVICES * (DESTINATIONS + 1));
      assert.equal(events.length, SERVICES * (DESTINATIONS + 1) + 3, 'a step per change, the two diffs and the result');
      assert.ok(longestGap < 1000, `the event loop was blocked for ${Math.round(longestGap)} ms (the apply took ${Math.round(elapsed)} ms)`);
      // The work was sliced, not merely fast: it gave the loop its turn at least once a second.
      assert.ok(pauses >= elapsed / 1000, `${pauses} pauses in ${Math.round(elapsed)} ms`);
    } finally {
      await fs.rm(rig.stateDir, { recursive: true, force: true });
    }
  });
});
