// The monitor's in-place update (the services of the last update again, a few of them changed
// under the same key: a no-op or one-weight rollout) must leave it exactly as the full update
// would: the same rows, the same weights set, the same loops. Two monitors take the same plans
// and the same check results; one is held to the full update (it is given kernel weights that
// name nothing, which the in-place update never takes).
import assert from 'assert';
import fc from 'fast-check';
import type { DirectorService, HealthCheckSpec } from '../../../lvs/host-plan';
import { HealthMonitor } from '../../../agent/health/monitor';
import type { WeightChange } from '../../../lvs/health/types';
import { FakeClock } from './fake-clock';

const spec: HealthCheckSpec = { type: 'http', port: 80, path: '/health', expectStatus: 0, intervalMs: 1000, timeoutMs: 500, fall: 2, rise: 2 };

interface ServiceShape { checked: boolean; weights: number[] }

function serviceOf(index: number, shape: ServiceShape): DirectorService {
  return {
    name: `s${index}`,
    service: { key: { kind: 'tcp', vip: `10.0.0.${100 + index}`, port: 80 }, scheduler: 'wlc', flags: [] },
    realservers: shape.weights.map((weight, r) => ({ host: `rs${r}`, destination: { address: `10.0.1.${10 + r}`, port: 80, weight, forwarding: 'dr' as const } })),
    ...(shape.checked ? { healthCheck: spec } : {}),
  };
}

function monitorWith(down: ReadonlySet<string>) {
  const clock = new FakeClock();
  const batches: string[] = [];
  const monitor = new HealthMonitor({
    clock,
    runCheck: async (_spec, address) => ({ ok: !down.has(address), latencyMs: 1, detail: down.has(address) ? 'refused' : 'open' }),
    weights: { setWeights: async (changes: WeightChange[]) => void batches.push(changes.map((c) => `${c.destination.address}=${c.destination.weight}`).join(' ')) },
  });
  return { clock, batches, monitor };
}

const shapeArb = fc.record({ checked: fc.boolean(), weights: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }) });

/** A step: which services change (new objects, maybe new shapes), and which realservers are down meanwhile. */
const stepArb = fc.record({
  changes: fc.array(fc.tuple(fc.nat(5), fc.option(shapeArb, { nil: undefined })), { maxLength: 3 }),
  down: fc.subarray(['10.0.1.10', '10.0.1.11', '10.0.1.12']),
});

describe('health monitor: an update in place is the full update', () => {
  it('leaves the same rows, weights and loops as the full update, for any plans and check results', async () => {
    await fc.assert(fc.asyncProperty(fc.array(shapeArb, { minLength: 1, maxLength: 6 }), fc.array(stepArb, { minLength: 1, maxLength: 5 }), async (shapes, steps) => {
      const down = new Set<string>();
      const inPlace = monitorWith(down);
      const full = monitorWith(down);
      let services = shapes.map((shape, i) => serviceOf(i, shape));
      for (const step of steps) {
        // the same objects but where a step changes one: a new object under the same key (a rollout's decode)
        services = services.map((s) => s);
        for (const [at, shape] of step.changes) {
          const i = at % services.length;
          const before = services[i] as DirectorService;
          services[i] = shape ? serviceOf(i, shape) : { ...before };
        }
        await inPlace.monitor.update(services);
        await full.monitor.update(services, () => undefined);
        down.clear();
        for (const address of step.down) down.add(address);
        await inPlace.clock.advance(3000);
        await full.clock.advance(3000);
        assert.deepStrictEqual(inPlace.monitor.snapshot(), full.monitor.snapshot());
        assert.deepStrictEqual(inPlace.batches, full.batches);
        assert.strictEqual(inPlace.clock.pendingCount(), full.clock.pendingCount());
      }
      await inPlace.monitor.stop();
      await full.monitor.stop();
    }), { numRuns: 150 });
  });
});
