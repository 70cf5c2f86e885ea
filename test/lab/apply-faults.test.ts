// Faults during a director apply, on the real kernel (issue 11, item 3). Each test holds a
// promise and fails if it breaks:
//   - the director agent SIGKILLed (with the tools it runs: its process group, as systemd
//     kills a unit) at four points of an apply that adds 250 services: right after "apply
//     started", mid-batch (some but not all services in), after the batch before the mark
//     swap, during the read-back. The kernel then holds the table before, the plan, or part
//     of the way (the batch is not atomic), nothing else; after a restart the ownership file
//     still names what it added, and the next rollout converges: exit 0, the kernel equal to
//     that plan, nothing of its own reported unmanaged or adopted, the hand-made service untouched;
//   - the real `lvsctl rollout` SIGKILLed while the director applies: the agent finishes on
//     its own and logs it; the next rollout changes nothing;
//   - two rollouts at once are serialized by the agent's apply queue (the second waits,
//     then finds the first's table); a stale generation is refused naming both generations;
//   - iptables-restore refusing the mark chain (xt_multiport unloaded): exit 2, the IPVS part
//     rolled back, both tables byte-identical; the fixed plan converges;
//   - a read-back that disagrees (the agent's ipvsadm leaves a line out): "read-back
//     differs", rolled back, the kernel as before.
// The fixed points (after the batch, the read-back) and the read-back fault come from a
// stand-in ipvsadm first in the director agent's PATH (support/fault-bin/ipvsadm): the agent
// itself has no test hook. Unarmed, the stand-in is the real ipvsadm.
// One cluster for the whole file: each agent or lvsctl start costs seconds in the guest.
import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PlanInput } from '../../controller/plan/schema';
import { agentStateDir } from './support/agents';
import { startLabCluster, type CommandResult, type LabCluster } from './support/cluster';
import { ownedChainOf, planIpvsLines, planMarkLines, sortedLines } from './support/expected-table';
import { armIpvsadmFault, disarmIpvsadmFault, faultyIpvsadmEnv, readBackWasCut, releaseIpvsadmFault, waitUntilHeld } from './support/ipvsadm-fault';
import { ipvsSave, loadModule, mangleSave, moduleLoaded, procIpvsServices, recapOf, unloadModule } from './support/kernel-state';
import { LAB_HOOK_TIMEOUT_MS, LAB_TEST_TIMEOUT_MS, requireLabGuest } from './support/lab-guard';
import { inNetns, sleep } from './support/netns';

const VIP = '10.0.0.100';
const BULK = 250;
const BULK_PORT = 20000;
const REFUSED_MODULE = 'xt_multiport';
const hosts: PlanInput['hosts'] = {
  d: { role: 'director', address: '10.0.0.1' },
  r1: { role: 'realserver', address: '10.0.0.11' },
  r2: { role: 'realserver', address: '10.0.0.12' },
};
const both = [{ host: 'r1' }, { host: 'r2' }];

/** web (port 80), tls (fwmark 1 and its rule), `bulk` services on BULK_PORT.., and `extra` ones. */
function planOf(options: { bulk?: number; markPorts?: string[][]; webWeights?: [number, number]; extra?: PlanInput['services'] } = {}): PlanInput {
  const [w1, w2] = options.webWeights ?? [1, 1];
  return {
    apiVersion: 'lvsctl/v1',
    cluster: 'faults',
    hosts,
    marks: (options.markPorts ?? [['8443']]).map((ports) => ({ mark: 1, protocol: 'tcp' as const, destination: VIP, ports })),
    services: [
      { name: 'web', protocol: 'tcp', vip: VIP, port: 80, scheduler: 'rr', forwarding: 'dr', realservers: [{ host: 'r1', weight: w1 }, { host: 'r2', weight: w2 }] },
      { name: 'tls', fwmark: 1, scheduler: 'rr', forwarding: 'dr', realservers: both },
      ...Array.from({ length: options.bulk ?? 0 }, (_, i) => ({
        name: `bulk-${i}`, protocol: 'tcp' as const, vip: VIP, port: BULK_PORT + i, scheduler: 'rr' as const, forwarding: 'dr' as const, realservers: both,
      })),
      ...(options.extra ?? []),
    ],
  };
}

/** Two services and one single-port mark rule (no xt_multiport needed). */
const SMALL = planOf();
/** SMALL, 250 more services (750 lines of batch) and the mark rule moved to another port. */
const BIG = planOf({ bulk: BULK, markPorts: [['9443']] });

/** What the stale rollout's newer generation applies: web's weights changed. */
const W21 = planOf({ webWeights: [2, 1] });
/** A port service on VIP. */
function serviceOn(port: number): PlanInput['services'][number] {
  return { name: `port-${port}`, protocol: 'tcp', vip: VIP, port, scheduler: 'rr', forwarding: 'dr', realservers: both };
}
/** Changes in IPVS (a weight, a new service), then a mark rule of two ports: -m multiport. */
const REFUSED_MARKS = planOf({ webWeights: [3, 1], markPorts: [['8443', '9443']], extra: [serviceOn(81)] });
/** The fix: the same two ports as two single-port rules (-m tcp --dport), which need no multiport. */
const FIXED_MARKS = planOf({ webWeights: [3, 1], markPorts: [['8443'], ['9443']], extra: [serviceOn(81)] });

/** Made by hand with ipvsadm before any fault: no rollout may ever touch it. */
const HAND = { vip: '10.0.0.150', port: 8080 };
const HAND_LINES = [`-A -t ${HAND.vip}:${HAND.port} -s wrr`, `-a -t ${HAND.vip}:${HAND.port} -r 10.0.0.11:${HAND.port} -g -w 5`];
const HAND_NOTICE = `unmanaged service tcp ${HAND.vip}:${HAND.port}: not in the plan and not created by lvsctl; left alone`;

function explain(result: CommandResult): string {
  return `exit ${result.code}\n${result.stdout}\n${result.stderr}`;
}

/** The kernel a plan means: its services beside the hand-made one. */
function expectedTable(plan: PlanInput): string[] {
  return sortedLines([...planIpvsLines(plan), ...HAND_LINES]);
}

const bulkServicesIn = (lines: readonly string[]): number => lines.filter((line) => line.startsWith(`-A -t ${VIP}:2`)).length;

/** Figures for docs/reliability.md, printed at the end. */
const figures: string[] = [];
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

describe('Faults during a director apply: the agent or the controller killed, iptables-restore refusing, a read-back that disagrees, two controllers', function () {
  this.timeout(LAB_TEST_TIMEOUT_MS * 3);
  let cluster: LabCluster | undefined;
  let directorDown = false;
  let multiportUnloaded = false;

  const lab = (): LabCluster => cluster as LabCluster;

  /** Waits (bounded) until `ready` holds; a lab wait, never a pass/fail timing. */
  async function waitFor<T>(what: string, ready: () => Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 50): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await ready();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms\nthe director agent's log:\n${(await lab().agentLog('d')).slice(-4000)}`);
      await sleep(intervalMs);
    }
  }

  /** The director agent's log lines (JSON) written after `from` characters. */
  async function logSince(from: number): Promise<Array<Record<string, unknown>>> {
    return (await lab().agentLog('d')).slice(from).split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** Rolls `plan` out unless the kernel already holds it: the state each test starts from, whatever the one before left. */
  async function ensureApplied(plan: PlanInput): Promise<void> {
    if (directorDown) {
      await lab().restartAgent('d');
      directorDown = false;
    }
    await disarmIpvsadmFault();
    await lab().writePlan(plan);
    const table = sortedLines(await ipvsSave('d'));
    const chain = ownedChainOf(await mangleSave('d'));
    if (JSON.stringify(table) === JSON.stringify(expectedTable(plan)) && JSON.stringify(chain.rules) === JSON.stringify(planMarkLines(plan)) && chain.jumps === 1) return;
    const result = await lab().rollout();
    assert.equal(result.code, 0, `setting up ${plan.services.length} services: ${explain(result)}`);
  }

  /** The kernel holds exactly `plan` (and the hand-made service), its chain with one jump. */
  async function assertKernelHolds(plan: PlanInput, context: string): Promise<void> {
    assert.deepEqual(sortedLines(await ipvsSave('d')), expectedTable(plan), `${context}: the IPVS table must be the plan's, beside the hand-made service`);
    const chain = ownedChainOf(await mangleSave('d'));
    assert.deepEqual(chain.rules, planMarkLines(plan), `${context}: the mark chain must be the plan's`);
    assert.equal(chain.jumps, 1, `${context}: one jump from PREROUTING`);
  }

  /** The notices of the director about services it leaves alone or takes over: only the hand-made one. */
  function assertOnlyHandMadeUnmanaged(result: CommandResult): void {
    const notices = result.stdout.split('\n').filter((line) => /^d\s+notice\s+(unmanaged service|adopting service)/.test(line));
    assert.deepEqual(notices.map((line) => line.replace(/^d\s+notice\s+/, '')), [HAND_NOTICE], `only the hand-made service is someone else's: ${explain(result)}`);
  }

  async function ownedServicesOnFile(): Promise<Set<string>> {
    const text = await readFile(join(agentStateDir('d'), 'director-ownership.json'), 'utf8');
    const file = JSON.parse(text) as { services: Array<{ kind: string; vip?: string; port?: number; mark?: number }> };
    return new Set(file.services.map((key) => (key.kind === 'fwmark' ? `-f ${key.mark}` : `-t ${key.vip}:${key.port}`)));
  }

  before(async function () {
    // certificates, three agents and a first rollout: each lvsctl or agent start costs seconds in the guest
    this.timeout(LAB_HOOK_TIMEOUT_MS * 2);
    requireLabGuest();
    const started = Date.now();
    // The stand-in ipvsadm holds an apply at a fixed point or cuts its read-back: this director
    // reaches IPVS through ipvsadm (the lab's others run netlink), so every fault goes through it.
    cluster = await startLabCluster(SMALL, { prepareRealservers: true, agentEnv: { d: await faultyIpvsadmEnv() }, agentArgs: { d: ['--ipvs', 'ipvsadm'] } });
    await disarmIpvsadmFault();
    await inNetns('d', 'ipvsadm', ['-A', '-t', `${HAND.vip}:${HAND.port}`, '-s', 'wrr']);
    await inNetns('d', 'ipvsadm', ['-a', '-t', `${HAND.vip}:${HAND.port}`, '-r', `10.0.0.11:${HAND.port}`, '-g', '-w', '5']);
    const first = await cluster.rollout();
    assert.equal(first.code, 0, `the first rollout must apply the plan: ${explain(first)}`);
    figures.push(`cluster start and first rollout: ${seconds(Date.now() - started)}`);
  });

  after(async function () {
    this.timeout(LAB_HOOK_TIMEOUT_MS);
    await disarmIpvsadmFault().catch(() => undefined);
    if (multiportUnloaded) await loadModule(REFUSED_MODULE); // later tests of this boot use multiport
    await cluster?.teardown();
    for (const line of figures) console.log(`    apply-faults figure: ${line}`);
  });

  /**
   * Rolls `to` out from `from`, SIGKILLs the director agent (with its tools) at `killPoint`,
   * checks what the kernel holds then, restarts the agent and rolls `converge` out.
   */
  async function killAndConverge(name: string, from: PlanInput, to: PlanInput, converge: PlanInput, killPoint: (logStart: number) => Promise<string>): Promise<void> {
    await ensureApplied(from);
    const before = sortedLines(await ipvsSave('d'));
    const mangleBefore = await mangleSave('d');
    const allowed = new Set([...before, ...expectedTable(to)]);
    await lab().writePlan(to);
    const logStart = (await lab().agentLog('d')).length;

    const rollout = lab().rollout();
    const where = await killPoint(logStart);
    await lab().killAgent('d');
    directorDown = true;
    const cut = await rollout;

    // The controller saw the agent vanish mid-apply.
    assert.equal(cut.code, 3, explain(cut));
    assert.match(cut.stdout, /^d\s+unreachable\s+.*the apply stream stopped mid-apply/m, explain(cut));
    const after = sortedLines(await ipvsSave('d'));
    // Nothing goes on changing the kernel: the agent's ipvsadm died with it.
    await sleep(500);
    assert.deepEqual(sortedLines(await ipvsSave('d')), after, 'the IPVS table changed after the agent was killed');
    // Before, the plan, or part of the way: never a line of neither, never the hand-made service touched.
    assert.deepEqual(after.filter((line) => !allowed.has(line)), [], `lines in the kernel that are neither the table before nor the plan's:\n${after.join('\n')}`);
    for (const line of HAND_LINES) assert.ok(after.includes(line), `the hand-made service must stay: ${line}`);
    const mangleAfter = await mangleSave('d');
    const chain = ownedChainOf(mangleAfter);
    const marks = mangleAfter === mangleBefore ? 'before' : JSON.stringify(chain.rules) === JSON.stringify(planMarkLines(to)) && chain.jumps === 1 ? 'plan' : 'neither';
    assert.notEqual(marks, 'neither', `the mangle table is neither as before nor the plan's:\n${mangleAfter}`);
    const state = JSON.stringify(after) === JSON.stringify(before) ? 'the table before' : JSON.stringify(after) === JSON.stringify(expectedTable(to)) ? 'the plan' : 'part of the way';

    const restarting = Date.now();
    await lab().restartAgent('d');
    directorDown = false;
    const restartMs = Date.now() - restarting;
    // Ownership survives: every planned service the kernel holds is named in the file.
    const owned = await ownedServicesOnFile();
    const notOwned = after
      .filter((line) => line.startsWith('-A ') && !HAND_LINES.includes(line))
      .map((line) => line.split(' ').slice(1, 3).join(' '))
      .filter((key) => !owned.has(key));
    assert.deepEqual(notOwned, [], 'services in the kernel the ownership file does not name after the restart');

    await lab().writePlan(converge);
    const converging = Date.now();
    const next = await lab().rollout();
    const convergeMs = Date.now() - converging;
    assert.equal(next.code, 0, explain(next));
    assertOnlyHandMadeUnmanaged(next);
    await assertKernelHolds(converge, `after the rollout that follows the kill (${name})`);
    figures.push(
      `${name}: killed ${where}; the kernel then held ${state} (${bulkServicesIn(after)} of ${bulkServicesIn(expectedTable(to))} bulk services` +
        `${bulkServicesIn(before) > 0 ? `, ${bulkServicesIn(before)} before` : ''}; mark chain: ${marks}); restart ${seconds(restartMs)}, ` +
        `next rollout (${converge === from ? 'the plan before' : 'the same plan'}) exit 0 in ${seconds(convergeMs)}, director changed=${recapOf(next.stdout).get('d')?.changed}`,
    );
  }

  describe('the director agent SIGKILLed during an apply that adds 250 services, then restarted', () => {
    it('right after "apply started": the next rollout (of the plan before) converges, nothing of its own unmanaged, the hand-made service untouched', async () => {
      await killAndConverge('kill after "apply started"', SMALL, BIG, SMALL, async (logStart) => {
        await waitFor('"apply started" in the director\'s log', async () => ((await logSince(logStart)).some((l) => l.message === 'apply started') ? true : undefined), 120_000, 20);
        return 'right after "apply started" was logged';
      });
    });

    it('mid-batch, some but not all services in: the next rollout (of the plan before) deletes what the killed apply added, as its own', async () => {
      await killAndConverge('kill mid-batch', SMALL, BIG, SMALL, async (logStart) => {
        await waitFor('"apply started" in the director\'s log', async () => ((await logSince(logStart)).some((l) => l.message === 'apply started') ? true : undefined), 120_000, 20);
        // /proc/PID/net/ip_vs of the agent: a file read per look, so the kill follows the look within milliseconds
        const pid = lab().agentPid('d') as number;
        const seen = await waitFor('a table with some but not all of the 250 services', async () => {
          const bulk = (await procIpvsServices(pid)).filter((s) => s.startsWith(`TCP ${VIP}:2`)).length;
          if (bulk >= BULK) throw new Error('the batch was complete before a partial table was seen: make the batch bigger');
          return bulk > 0 ? bulk : undefined;
        }, 60_000, 5);
        return `mid-batch (${seen} of ${BULK} services seen just before)`;
      });
    });

    it('after the batch, before the mark swap: the next rollout (of the same plan) completes it, adopting nothing', async () => {
      await killAndConverge('kill after the batch', SMALL, BIG, BIG, async () => {
        await armIpvsadmFault('pause-after-restore');
        assert.equal(await waitUntilHeld(120_000), 'after-restore');
        return 'after ipvsadm -R returned, before iptables-restore';
      });
    });

    it('during the read-back of an apply that deletes 250 services: the next rollout (of the same plan) finds nothing to do', async () => {
      await killAndConverge('kill during the read-back', BIG, SMALL, SMALL, async () => {
        await armIpvsadmFault('pause-read-back');
        assert.equal(await waitUntilHeld(120_000), 'read-back');
        return 'at the read-back (ipvsadm -S -n after the batch and the mark swap)';
      });
    });
  });

  describe('the controller killed, two controllers at once, and the kernel or the tools refusing', () => {
    it('the real lvsctl rollout SIGKILLed while the director applies: the agent finishes on its own and logs it; the next rollout changes nothing', async () => {
      await ensureApplied(SMALL);
      await lab().writePlan(BIG);
      const logStart = (await lab().agentLog('d')).length;
      await armIpvsadmFault('pause-after-restore');
      const spawned = Date.now();
      const controller = lab().spawnRollout();
      assert.equal(await waitUntilHeld(180_000), 'after-restore');
      const killed = await controller.kill('SIGKILL');
      assert.equal(killed.signal, 'SIGKILL', `lvsctl ended on its own before the kill: ${killed.stdout}\n${killed.stderr}`);
      await releaseIpvsadmFault();

      const finished = await waitFor('"apply finished" in the director\'s log', async () => (await logSince(logStart)).find((l) => l.message === 'apply finished'), 120_000);
      const log = await logSince(logStart);
      assert.ok(log.some((l) => l.message === 'the controller went away mid-apply; the apply goes on to its end on its own'), JSON.stringify(log, null, 1));
      assert.equal(finished.outcome, 'changed', JSON.stringify(finished));
      assert.equal(finished.controllerGone, true, JSON.stringify(finished));
      await assertKernelHolds(BIG, 'after the agent finished on its own');

      const next = await lab().rollout();
      assert.equal(next.code, 0, explain(next));
      assert.equal(recapOf(next.stdout).get('d')?.changed, 0, `the agent had finished the apply: ${explain(next)}`);
      assertOnlyHandMadeUnmanaged(next);
      figures.push(`controller killed: lvsctl (the binary) held ${seconds(Date.now() - spawned)} from spawn to the kill at the director's batch; the agent logged "apply finished" (changed ${finished.changed}, controllerGone) on its own; the next rollout changed 0`);
    });

    it('two rollouts at once are serialized: the second waits for the apply in flight, then finds its table and changes nothing', async () => {
      await ensureApplied(BIG);
      await lab().writePlan(SMALL);
      const logStart = (await lab().agentLog('d')).length;
      await armIpvsadmFault('pause-after-restore');
      const first = lab().startRollout();
      assert.equal(await waitUntilHeld(120_000), 'after-restore', 'the first rollout is in its batch');
      const second = lab().startRollout();
      const waiting = await waitFor('the second apply waiting in the director\'s queue', async () => (await logSince(logStart)).find((l) => l.message === 'apply waiting for the one in flight'), 120_000);
      await releaseIpvsadmFault();
      const [a, b] = await Promise.all([first.done, second.done]);

      assert.equal(a.code, 0, explain(a));
      assert.equal(b.code, 0, explain(b));
      assert.equal(recapOf(a.stdout).get('d')?.changed, BULK + 1, `the first deletes the 250 services and swaps the chain: ${explain(a)}`);
      assert.equal(recapOf(b.stdout).get('d')?.changed, 0, `the second read the table after the first was done: ${explain(b)}`);
      assert.match(b.stdout, /^d\s+ok\s+done: already as planned/m, explain(b));
      const applies = (await logSince(logStart))
        .filter((l) => typeof l.message === 'string' && /^apply (started|finished|waiting)/.test(l.message) && l.host === 'd')
        .map((l) => `${String(l.message)} ${l.generation === waiting.behind ? 'first' : 'second'}`);
      assert.deepEqual(applies, ['apply started first', 'apply waiting for the one in flight second', 'apply finished first', 'apply started second', 'apply finished second'], 'never interleaved');
      await assertKernelHolds(SMALL, 'after both rollouts');
      figures.push(`two rollouts at once: the second waited behind generation ${String(waiting.behind)}, then changed 0`);
    });

    it('a stale generation is refused: after generation N+1, a rollout of generation N exits 2 naming N and N+1, and changes nothing', async () => {
      await ensureApplied(SMALL);
      const n = Date.now();
      await lab().writePlan(W21);
      const newer = await lab().startRollout({ generation: n + 1 }).done;
      assert.equal(newer.code, 0, explain(newer));
      const table = await ipvsSave('d');
      await lab().writePlan(SMALL);

      const stale = await lab().startRollout({ generation: n }).done;

      assert.equal(stale.code, 2, explain(stale));
      assert.match(stale.stdout, new RegExp(`plan generation ${n} is older than generation ${n + 1} already applied on this host`), explain(stale));
      assert.equal(await ipvsSave('d'), table, 'the stale plan changed nothing');
      figures.push(`stale generation: ${n} after ${n + 1}: exit 2, ${stale.stdout.split('\n').filter((l) => l.includes('is older than')).length} host line(s) naming both`);
    });

    it('iptables-restore refusing the mark chain (xt_multiport unloaded): exit 2, the IPVS part rolled back, both tables byte-identical; the fixed plan converges', async () => {
      await ensureApplied(W21);
      // Nothing may use multiport now: SMALL's rule has one port (-m tcp --dport).
      const unloaded = await waitFor(`rmmod ${REFUSED_MODULE}`, async () => {
        if (!(await moduleLoaded(REFUSED_MODULE))) return true;
        return unloadModule(REFUSED_MODULE).then(() => true, () => undefined);
      }, 30_000, 500);
      multiportUnloaded = unloaded;
      const ipvsBefore = await ipvsSave('d');
      const mangleBefore = await mangleSave('d');
      await lab().writePlan(REFUSED_MARKS);

      const refused = await lab().rollout();

      assert.equal(refused.code, 2, explain(refused));
      assert.match(refused.stdout, /^d\s+failed\s+done: apply failed: .*iptables-legacy-restore.*multiport/m, explain(refused));
      assert.match(refused.stdout, /^d\s+rollback\s+restored the snapshot: undid [1-9]\d* IPVS operation\(s\); put back the previous mark chain/m, explain(refused));
      assert.equal(await ipvsSave('d'), ipvsBefore, 'the IPVS table must be exactly as before');
      assert.equal(await mangleSave('d'), mangleBefore, 'the mangle table must be exactly as before');

      await lab().writePlan(FIXED_MARKS);
      const next = await lab().rollout();
      assert.equal(next.code, 0, explain(next));
      await assertKernelHolds(FIXED_MARKS, 'after the fixed plan');
      figures.push(`iptables-restore refused: ${(/undid (\d+) IPVS operation/.exec(refused.stdout) ?? [])[1]} IPVS operation(s) undone, both tables byte-identical; the fixed plan converged (changed=${recapOf(next.stdout).get('d')?.changed})`);
    });

    it('a read-back that disagrees (the agent\'s ipvsadm -S -n leaves a destination out): exit 2, "read-back differs", rolled back, the kernel as before', async () => {
      await ensureApplied(FIXED_MARKS);
      const ipvsBefore = await ipvsSave('d');
      const mangleBefore = await mangleSave('d');
      await lab().writePlan({ ...FIXED_MARKS, services: [...FIXED_MARKS.services, serviceOn(82)] });
      await armIpvsadmFault('drop-read-back', [`-a -t ${VIP}:82 -r 10.0.0.12:82 -g -w 1`]);

      const result = await lab().rollout();

      assert.ok(await readBackWasCut(), 'the faulty ipvsadm never cut a read-back');
      assert.equal(result.code, 2, explain(result));
      assert.match(result.stdout, new RegExp(`^d\\s+failed\\s+done: apply failed: read-back differs from the plan: tcp ${VIP}:82: expected destinations \\[10\\.0\\.0\\.11:82 dr w1, 10\\.0\\.0\\.12:82 dr w1\\], found \\[10\\.0\\.0\\.11:82 dr w1\\]`, 'm'), explain(result));
      assert.match(result.stdout, /^d\s+rollback\s+restored the snapshot: undid [1-9]\d* IPVS operation\(s\)/m, explain(result));
      assert.equal(await ipvsSave('d'), ipvsBefore, 'the IPVS table must be exactly as before');
      assert.equal(await mangleSave('d'), mangleBefore, 'the mangle table must be exactly as before');
      figures.push(`read-back differs: ${(/undid (\d+) IPVS operation/.exec(result.stdout) ?? [])[1]} IPVS operation(s) undone, the kernel byte-identical`);
    });
  });
});
