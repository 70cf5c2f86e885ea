// What the monitor does when every realserver of a service is down: the plan's allDown
// policy, or its sorry server. Driven by the injected scheduler and checks.
import assert from 'assert';
import type { AllDownPolicy, DirectorService, HealthCheckSpec } from '../../../lvs/host-plan';
import { HealthMonitor } from '../../../agent/health/monitor';
import type { HealthTransition, WeightChange } from '../../../lvs/health/types';
import { FakeClock } from './fake-clock';

const spec: HealthCheckSpec = {
  type: 'tcp', port: 80, path: '', expectStatus: 0, intervalMs: 1000, timeoutMs: 500, fall: 2, rise: 2,
};

function service(options: { allDown?: AllDownPolicy; sorry?: string; healthCheck?: boolean } = {}): DirectorService {
  const healthCheck = options.healthCheck === false ? undefined : { ...spec, ...(options.allDown ? { allDown: options.allDown } : {}) };
  return {
    name: 'web',
    service: { key: { kind: 'tcp', vip: '10.0.0.100', port: 80 }, scheduler: 'wlc', flags: [] },
    realservers: [
      { host: 'web1', destination: { address: '10.0.0.11', port: 80, weight: 1, forwarding: 'nat' } },
      { host: 'web2', destination: { address: '10.0.0.12', port: 80, weight: 3, forwarding: 'nat' } },
    ],
    ...(healthCheck ? { healthCheck } : {}),
    ...(options.sorry ? { sorryServer: { address: options.sorry, port: 8080, weight: 0, forwarding: 'nat' } } : {}),
  };
}

function harness() {
  const healthy = new Map<string, boolean>();
  const batches: WeightChange[][] = [];
  const transitions: HealthTransition[] = [];
  const checked: string[] = [];
  const scheduler = new FakeClock();
  const monitor = new HealthMonitor({
    clock: scheduler,
    runCheck: async (_spec, address) => {
      checked.push(address);
      const ok = healthy.get(address) ?? true;
      return { ok, latencyMs: 2, detail: ok ? 'connected' : `tcp ${address}:80: connect ECONNREFUSED` };
    },
    weights: { setWeights: async (changes) => { batches.push(changes); } },
  });
  monitor.on('transition', (t) => transitions.push(t));
  const weightsSet = (): string[] => batches.map((b) => b.map((c) => `${c.destination.address}:${c.destination.port}=${c.destination.weight}`).join(' '));
  const allDown = async (): Promise<void> => {
    await scheduler.advance(100);
    healthy.set('10.0.0.11', false);
    healthy.set('10.0.0.12', false);
    await scheduler.advance(3000);
  };
  return { monitor, scheduler, healthy, batches, transitions, checked, weightsSet, allDown };
}

describe('all realservers down', () => {
  describe('with a sorry server', () => {
    it('raises the sorry server to 1 in the same batch that quiesces the last realserver', async () => {
      const h = harness();
      await h.monitor.update([service({ sorry: '10.0.0.50' })]);
      await h.allDown();
      // web1 fails first and is quiesced alone while web2 serves; web2's fall is the all-down moment.
      assert.deepStrictEqual(h.weightsSet(), ['10.0.0.11:80=0', '10.0.0.50:8080=1 10.0.0.12:80=0'], 'the sorry server raised first, in the same batch');
      const weights = h.monitor.snapshot().targets.map((t) => `${t.host} ${t.address} ${t.state} ${t.currentWeight}`);
      assert.deepStrictEqual(weights, ['web1 10.0.0.11:80 down 0', 'web2 10.0.0.12:80 down 0', 'sorry-server 10.0.0.50:8080 up 1']);
    });

    it('says so with a transition event and its reason', async () => {
      const h = harness();
      await h.monitor.update([service({ sorry: '10.0.0.50' })]);
      await h.allDown();
      const sorry = h.transitions.filter((t) => t.host === 'sorry-server');
      assert.deepStrictEqual(sorry.map((t) => `${t.service} ${t.address} ${t.from}->${t.to}: ${t.reason}`), [
        'web 10.0.0.50:8080 down->up: every realserver of web is down: new connections go to the sorry server',
      ]);
    });

    it('puts the sorry server back to 0 as soon as one realserver is up, with that one at its plan weight', async () => {
      const h = harness();
      await h.monitor.update([service({ sorry: '10.0.0.50' })]);
      await h.allDown();
      h.healthy.set('10.0.0.12', true);
      await h.scheduler.advance(2000);
      assert.deepStrictEqual(h.weightsSet().slice(2), ['10.0.0.12:80=3 10.0.0.50:8080=0']);
      const sorry = h.transitions.filter((t) => t.host === 'sorry-server');
      assert.deepStrictEqual(sorry.map((t) => `${t.from}->${t.to}: ${t.reason}`).slice(1), ['up->down: web2 serves again: the sorry server takes no new connections']);
      const row = h.monitor.snapshot().targets.find((t) => t.sorryServer);
      assert.deepStrictEqual([row?.state, row?.currentWeight, row?.checked], ['down', 0, false]);
      assert.match(row?.reason ?? '', /stands by at weight 0/);
    });

    it('never checks the sorry server, and leaves it at 0 while one realserver serves', async () => {
      const h = harness();
      await h.monitor.update([service({ sorry: '10.0.0.50' })]);
      h.healthy.set('10.0.0.11', false);
      await h.scheduler.advance(5000);
      assert.ok(!h.checked.includes('10.0.0.50'));
      assert.deepStrictEqual(h.weightsSet(), ['10.0.0.11:80=0']);
      assert.strictEqual(h.transitions.filter((t) => t.host === 'sorry-server').length, 0);
    });

    it('keeps it raised through a rollout (the apply asks wantedWeight), without a second event or write', async () => {
      const h = harness();
      await h.monitor.update([service({ sorry: '10.0.0.50' })]);
      await h.allDown();
      await h.monitor.update([service({ sorry: '10.0.0.50' })]);
      assert.deepStrictEqual(h.weightsSet().slice(2), []);
      assert.strictEqual(h.transitions.filter((t) => t.host === 'sorry-server').length, 1);
      const planned = service({ sorry: '10.0.0.50' });
      assert.strictEqual(h.monitor.wantedWeight(planned, planned.sorryServer!), 1, 'an apply keeps the serving sorry server at 1');
    });

    it('forgets the sorry server once the plan drops it', async () => {
      const h = harness();
      await h.monitor.update([service({ sorry: '10.0.0.50' })]);
      await h.monitor.update([service()]);
      assert.deepStrictEqual(h.monitor.snapshot().targets.map((t) => t.host), ['web1', 'web2']);
    });
  });

  describe('allDown policy', () => {
    it('"quiesce" sets every realserver to 0, the last one too', async () => {
      const h = harness();
      await h.monitor.update([service({ allDown: 'quiesce' })]);
      await h.allDown();
      const flat = h.weightsSet().join(' ').split(' ').sort();
      assert.deepStrictEqual(flat, ['10.0.0.11:80=0', '10.0.0.12:80=0']);
      assert.ok(h.monitor.snapshot().targets.every((t) => t.currentWeight === 0 && !t.keptLast));
    });

    it('"keep-last" (and no allDown at all) keeps the last one serving', async () => {
      for (const allDown of ['keep-last', undefined] as const) {
        const h = harness();
        await h.monitor.update([service(allDown ? { allDown } : {})]);
        await h.allDown();
        const kept = h.monitor.snapshot().targets.filter((t) => t.currentWeight > 0);
        assert.strictEqual(kept.length, 1, `allDown ${String(allDown)}`);
        assert.strictEqual(kept[0].keptLast, true);
      }
    });
  });
});
