// A realserver agent starting after a reboot puts back what its last applied plan prepared
// (agent/realserver/prepare-at-start.ts), through the verifier a rollout uses, on a fake host.
import { strict as assert } from 'node:assert';
import { createRealserverVerifier } from '../../../agent/realserver/verifier';
import { prepareAgainAtStart, retryPrepareAfterFailure, type PrepareAtStartResult } from '../../../agent/realserver/prepare-at-start';
import type { HostPlan } from '../../../lvs/host-plan';
import { capturingLogger } from '../../integration/support/capturing-logger';
import { bareHost, drReadyHost, duty, realserverPlan, rig, VIP } from './rig';
import { tempDir } from '../../temp-dirs';
import { readRealserverOwned } from '../../../agent/state/realserver-owned';

async function startWith(plan: HostPlan | undefined | Error, host = bareHost()) {
  const log = capturingLogger();
  const verifier = createRealserverVerifier({ stateDir: await tempDir('lvsctl-prepare-at-start-'), logger: log.logger, kernel: host.kernel() });
  const { outcome } = await prepareAgainAtStart({
    readLastPlan: async () => {
      if (plan instanceof Error) throw plan;
      return plan;
    },
    applier: verifier,
    logger: log.logger,
  });
  return { outcome, host, lines: log.lines };
}

describe('realserver: the last applied plan prepared again at start', () => {
  it('puts the VIP back on lo and sets the ARP sysctls the reboot took back, and logs what it set', async () => {
    const { outcome, host, lines } = await startWith(realserverPlan({ prepare: true, generation: 7 }));

    assert.equal(outcome, 'prepared');
    assert.ok(host.hasAddress('lo', VIP, 32), 'the VIP is on lo again');
    assert.equal(host.sysctls.get('net.ipv4.conf.all.arp_ignore'), '1');
    assert.equal(host.sysctls.get('net.ipv4.conf.all.arp_announce'), '2');
    const line = lines.find((l) => l.message === 'prepared again at start from the last applied plan (a reboot, or a hand, had taken it back)');
    assert.ok(line, JSON.stringify(lines));
    assert.equal(line.generation, 7);
    assert.ok((line.changedCount as number) >= 3, JSON.stringify(line));
    assert.ok((line.changed as string[]).some((s) => s.includes(VIP)), JSON.stringify(line.changed));
  });

  it('records what it set as its own, so a later plan without the VIP takes it away again', async () => {
    const host = bareHost();
    const dir = await tempDir('lvsctl-prepare-at-start-');
    const log = capturingLogger();
    const verifier = createRealserverVerifier({ stateDir: dir, logger: log.logger, kernel: host.kernel() });
    await prepareAgainAtStart({ readLastPlan: async () => realserverPlan({ prepare: true }), applier: verifier, logger: log.logger });
    assert.ok(host.hasAddress('lo', VIP, 32));

    const later = await rig(host, dir);
    const result = await later.run(realserverPlan({ prepare: true, duties: [] }), 'apply');

    assert.notEqual(result.result.outcome, 'failed', result.result.message);
    assert.ok(!host.hasAddress('lo', VIP, 32), 'the VIP the start put back is taken away with the plan that dropped it');
  });

  it('applies its own last plan though a later rollout recorded a newer generation (the same plan again, or one that failed here), and keeps the newer one', async () => {
    const dir = await tempDir('lvsctl-prepare-at-start-');
    const before = bareHost();
    // a later rollout prepared generation 2000; the file of the last plan still holds generation 1000
    // (a plan that changed nothing but its generation is not written again; a failed one is not written)
    await (await rig(before, dir)).run(realserverPlan({ prepare: true, generation: 2000 }), 'apply');
    const rebooted = bareHost();
    const log = capturingLogger();
    const verifier = createRealserverVerifier({ stateDir: dir, logger: log.logger, kernel: rebooted.kernel() });

    const { outcome } = await prepareAgainAtStart({ readLastPlan: async () => realserverPlan({ prepare: true, generation: 1000 }), applier: verifier, logger: log.logger });

    assert.equal(outcome, 'prepared', JSON.stringify(log.lines));
    assert.ok(rebooted.hasAddress('lo', VIP, 32));
    assert.equal((await readRealserverOwned(dir)).generation, 2000, 'the newer generation stays recorded');
    const stale = await (await rig(rebooted, dir)).run(realserverPlan({ prepare: true, generation: 1500 }), 'apply');
    assert.match(stale.result.message, /refusing plan generation 1500: generation 2000 was already prepared/, 'an older rollout is still refused');
  });

  it('takes back nothing a newer rollout set when its own last plan is older (its file was not written): the directors may serve that rollout', async () => {
    const dir = await tempDir('lvsctl-prepare-at-start-');
    const host = bareHost();
    const moved = '10.0.0.200';
    // generation 2000 moved the VIP; the file of the last plan still holds generation 1000, with the old one
    await (await rig(host, dir)).run(realserverPlan({ prepare: true, generation: 2000, duties: [duty({ vips: [moved] })] }), 'apply');
    assert.ok(host.hasAddress('lo', moved, 32));
    const log = capturingLogger();
    const verifier = createRealserverVerifier({ stateDir: dir, logger: log.logger, kernel: host.kernel() });

    const { outcome } = await prepareAgainAtStart({ readLastPlan: async () => realserverPlan({ prepare: true, generation: 1000 }), applier: verifier, logger: log.logger });

    assert.equal(outcome, 'prepared', JSON.stringify(log.lines));
    assert.ok(host.hasAddress('lo', VIP, 32), 'what the older plan needs is set');
    assert.ok(host.hasAddress('lo', moved, 32), 'what the newer rollout set stays');
  });

  it('warns, and lets the agent start, when the applier itself throws', async () => {
    const log = capturingLogger();
    const { outcome } = await prepareAgainAtStart({
      readLastPlan: async () => realserverPlan({ prepare: true, generation: 4 }),
      applier: { applyAtStart: async () => { throw new Error('EIO: the state directory went away'); } },
      logger: log.logger,
    });

    assert.equal(outcome, 'failed');
    assert.match(String(log.lines[0]?.problem), /EIO: the state directory went away/);
  });

  it('says so, and changes nothing, when the last plan is another role\'s', async () => {
    const { outcome, host, lines } = await startWith({ role: 'director', cluster: 'shop', host: 'web1', generation: 3, services: [], marks: [] } as unknown as HostPlan);

    assert.equal(outcome, 'not a realserver plan');
    assert.deepEqual(host.processes, []);
    assert.match(String(lines[0]?.message), /the last applied plan is a director's \(the agent's role changed\): nothing to prepare at start/);
  });

  it('changes nothing on a host still as planned, and says so', async () => {
    const ready = drReadyHost();
    const { outcome, host, lines } = await startWith(realserverPlan({ prepare: true }), ready);

    assert.equal(outcome, 'as planned');
    assert.deepEqual(host.processes, []);
    assert.ok(lines.some((l) => l.message === 'the last applied plan is still in place at start: nothing to prepare again'), JSON.stringify(lines));
  });

  it('leaves a host alone whose plan only verifies (prepare: false)', async () => {
    const { outcome, host, lines } = await startWith(realserverPlan({ prepare: false }));

    assert.equal(outcome, 'verify only');
    assert.ok(!host.hasAddress('lo', VIP), 'no VIP added without prepare');
    assert.equal(host.sysctls.get('net.ipv4.conf.all.arp_ignore') ?? '0', '0');
    assert.deepEqual(lines, []);
  });

  it('does nothing without a last plan (a new agent)', async () => {
    const { outcome, lines } = await startWith(undefined);

    assert.equal(outcome, 'no plan');
    assert.deepEqual(lines, []);
  });

  it('warns, and starts anyway, when the last plan cannot be read', async () => {
    const { outcome, host, lines } = await startWith(new Error('/var/lib/lvsctl/last-applied-plan.json: not a plan file'));

    assert.equal(outcome, 'unreadable');
    assert.ok(!host.hasAddress('lo', VIP));
    const warning = lines.find((l) => l.level === 'warn');
    assert.match(String(warning?.message), /could not be read: what prepare set is not put back until the next rollout/);
    assert.match(String(warning?.problem), /last-applied-plan\.json: not a plan file/);
  });

  it('warns with the failed steps and their fixes when the host refuses (a read-only /proc/sys)', async () => {
    const host = bareHost();
    host.failNext.sysctl = 'EROFS: read-only file system';
    const { outcome, lines } = await startWith(realserverPlan({ prepare: true }), host);

    assert.equal(outcome, 'failed');
    assert.ok(!host.hasAddress('lo', VIP), 'no VIP without its ARP settings');
    const warning = lines.find((l) => l.level === 'warn');
    assert.match(String(warning?.message), /could not be prepared again in full at start/, JSON.stringify(lines));
    const steps = (warning?.failed ?? []) as string[];
    assert.ok(steps.some((s) => /^prepare web1: .*EROFS.*no address was added/.test(s)), JSON.stringify(steps));
    assert.ok(steps.some((s) => s.includes('fix: sysctl -w net.ipv4.conf.all.arp_ignore=1')), JSON.stringify(steps));
  });

  describe('a prepare that failed at start, tried again', () => {
    /** A verifier on this host whose start-time prepare failed. */
    async function failedAtStart(host: ReturnType<typeof bareHost>, readLastPlan: () => Promise<HostPlan | undefined>) {
      const log = capturingLogger();
      const verifier = createRealserverVerifier({ stateDir: await tempDir('lvsctl-prepare-at-start-'), logger: log.logger, kernel: host.kernel() });
      const first = await prepareAgainAtStart({ readLastPlan, applier: verifier, logger: log.logger });
      assert.equal(first.outcome, 'failed', JSON.stringify(log.lines));
      return { verifier, log, generation: first.generation as number };
    }

    /** The tries after a failed start on this host, each outcome as it comes; stopped after `until` of them. */
    async function retriesOn(host: ReturnType<typeof bareHost>, readLastPlan: () => Promise<HostPlan | undefined>, until: number, maxRetries?: number) {
      const { verifier, log, generation } = await failedAtStart(host, readLastPlan);
      const tries: PrepareAtStartResult[] = [];
      let enough!: () => void;
      const done = new Promise<void>((resolve) => { enough = resolve; });
      const retries = retryPrepareAfterFailure({
        readLastPlan, applier: verifier, logger: log.logger, generation, firstDelayMs: 5, maxDelayMs: 20, ...(maxRetries ? { maxRetries } : {}),
        tried: (result) => {
          tries.push(result);
          if (tries.length >= until) enough();
        },
      });
      // bounded: a retry loop that stops too early would otherwise hang the test
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, 2000).unref());
      await Promise.race([done, timeout]);
      // time for several more waits of at most 20 ms: a loop that should have ended tries again meanwhile
      await new Promise((resolve) => setTimeout(resolve, 100));
      // a stopped retry tries no more, once the one under way has finished
      await retries.stop();
      const stoppedAt = tries.length;
      await new Promise((resolve) => setTimeout(resolve, 60));
      assert.equal(tries.length, stoppedAt, 'a try after stop() resolved');
      return { tries, lines: log.lines };
    }

    const refusing = (host: ReturnType<typeof bareHost>, plan: HostPlan) => async (): Promise<HostPlan> => {
      // the host refuses every try
      host.failNext.sysctl = 'EROFS: read-only file system';
      return plan;
    };

    it('puts the VIP back once the host lets it (the read-only /proc/sys of the boot is gone), and stops trying', async () => {
      const host = bareHost();
      host.failNext.sysctl = 'EROFS: read-only file system';
      const plan = realserverPlan({ prepare: true, generation: 9 });

      const { tries, lines } = await retriesOn(host, async () => plan, 1);

      assert.deepEqual(tries.map((t) => t.outcome), ['prepared'], 'one try that held, then none');
      assert.ok(host.hasAddress('lo', VIP, 32), 'the VIP is on lo');
      assert.equal(host.sysctls.get('net.ipv4.conf.all.arp_ignore'), '1');
      const later = lines.find((l) => l.message === 'the start-time prepare is tried again later');
      assert.equal(later?.nextRetryInS, 0);
      const held = lines.find((l) => /^prepared again at start/.test(String(l.message)));
      assert.equal(held?.retry, 1, JSON.stringify(lines));
    });

    it('keeps trying, each wait longer up to its bound, while the host still refuses, and gives up after its tries', async () => {
      const host = bareHost();
      const plan = realserverPlan({ prepare: true, generation: 9 });

      const { tries, lines } = await retriesOn(host, refusing(host, plan), 4, 4);

      assert.deepEqual(tries.map((t) => t.outcome), ['failed', 'failed', 'failed', 'failed']);
      assert.ok(!host.hasAddress('lo', VIP), 'no VIP without its ARP settings');
      assert.deepEqual(lines.filter((l) => l.level === 'warn' && l.retry !== undefined).map((l) => l.retry), [1, 2, 3, 4]);
      assert.ok(lines.some((l) => l.level === 'warn' && /failed 5 times: it is not tried again; the next rollout prepares the host/.test(String(l.message))), JSON.stringify(lines));
    });

    it('does nothing once a rollout came, though the try waited behind it with the older plan (the rollout set what its plan wants)', async () => {
      const host = bareHost();
      const moved = '10.0.0.200';
      const rolloutPlan = realserverPlan({ prepare: true, generation: 10, duties: [duty({ vips: [moved] })] });
      let lastPlan: HostPlan = realserverPlan({ prepare: true, generation: 9 });
      host.failNext.sysctl = 'EROFS: read-only file system';
      const { verifier, log, generation } = await failedAtStart(host, async () => lastPlan);
      const tries: PrepareAtStartResult[] = [];
      let rollout: Promise<unknown> | undefined;
      const retries = retryPrepareAfterFailure({
        // the try has read generation 9 when the rollout arrives; the file says 10 only once its apply is done
        readLastPlan: async () => {
          rollout ??= verifier.apply(rolloutPlan, 'apply', () => undefined).then((result) => {
            lastPlan = rolloutPlan;
            return result;
          });
          return lastPlan;
        },
        applier: verifier, logger: log.logger, generation, firstDelayMs: 1, maxDelayMs: 5, tried: (r) => tries.push(r),
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      await retries.stop();
      await rollout;

      assert.deepEqual(tries, [{ outcome: 'superseded', generation: 9 }]);
      assert.ok(host.hasAddress('lo', moved, 32), 'the rollout\'s VIP');
      assert.ok(!host.hasAddress('lo', VIP), 'the older plan\'s VIP is not put back over the rollout');
    });

    it('counts rollouts that apply, failed ones too, not check mode nor those before it began', async () => {
      const host = bareHost();
      const plan = realserverPlan({ prepare: true, generation: 9 });
      const { verifier, log, generation } = await failedAtStart(host, refusing(host, plan));
      // a rollout before the tries began (it failed here) does not stop them
      host.failNext.sysctl = 'EROFS: read-only file system';
      assert.equal((await verifier.apply(realserverPlan({ prepare: true, generation: 10 }), 'apply', () => undefined)).outcome, 'failed');
      const before = verifier.rolloutApplies();
      await verifier.apply(realserverPlan({ prepare: true, generation: 11 }), 'check', () => undefined);
      assert.equal(verifier.rolloutApplies(), before, 'a check-mode rollout is not counted');
      const tries: PrepareAtStartResult[] = [];
      let firstTry!: () => void;
      const tried = new Promise<void>((resolve) => { firstTry = resolve; });
      const retries = retryPrepareAfterFailure({
        readLastPlan: refusing(host, plan), applier: verifier, logger: log.logger, generation, firstDelayMs: 1, maxDelayMs: 5,
        tried: (r) => { tries.push(r); firstTry(); },
      });
      await tried;
      assert.equal(tries[0]?.outcome, 'failed', 'it tries though a rollout failed before it began');
      // a rollout that fails now stops it
      host.failNext.sysctl = 'EROFS: read-only file system';
      await verifier.apply(realserverPlan({ prepare: true, generation: 12 }), 'apply', () => undefined);
      const after = tries.length;
      await new Promise((resolve) => setTimeout(resolve, 60));
      await retries.stop();

      assert.ok(tries.length <= after + 1, `${tries.length - after} tries after the rollout (at most one already queued, which does nothing)`);
      assert.ok(tries.slice(after).every((t) => t.outcome === 'superseded'), JSON.stringify(tries.slice(after)));
  });
  });
});
