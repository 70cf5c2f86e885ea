// An agent killed in the middle of an apply (SIGKILL, the OOM killer, a power cut): part of
// its batch is in the kernel and it never got to write down what it owns. After the restart
// those services must still be its own: the next rollout, of whatever plan, makes the kernel
// equal to that plan, never reports them unmanaged nor adopts them, and still leaves a
// service made by hand alone. (The lab proves it on the real kernel: test/lab/apply-faults.test.ts.)
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ApplyEvent, ResultEvent } from '../../../lvs/apply-events';
import type { HostPlan } from '../../../lvs/host-plan';
import type { IpvsService } from '../../../lvs/model';
import type { IpvsOperation } from '../../../lvs/operations';
import { createDirectorApplier } from '../../../agent/director/applier';
import { IpvsWriter } from '../../../agent/kernel/ipvs-writer';
import type { Ipvs } from '../../../agent/kernel/ipvs';
import { FakeIpvs } from '../../../agent/kernel/fake/ipvs';
import { FakeMarks } from '../../../agent/kernel/fake/marks';
import { readOwnership } from '../../../agent/state/ownership';
import { silentLogger } from '../../../agent/logging';
import { canonicalTable } from '../kernel/canonical-table';
import { dest, directorPlan, markRule, service, table, tcp } from './builders';
import { tempDir } from '../../temp-dirs';

/** The kernel as a killed agent leaves it: the first `keep` operations of its batch took effect, then the agent was gone. */
class DyingIpvs implements Ipvs {
  died = false;
  constructor(private readonly kernel: FakeIpvs, private readonly keep: number) {}
  read() { return this.kernel.read(); }
  list() { return this.kernel.list(); }
  connections() { return this.kernel.connections(); }
  async applyBatch(ops: IpvsOperation[]): Promise<void> {
    await this.kernel.applyBatch(ops.slice(0, this.keep));
    this.died = true;
    return new Promise<void>(() => undefined); // never returns: the process is gone
  }
}

const HAND_MADE = table([service(tcp(8080, '10.0.0.150'), { scheduler: 'wrr' }), [dest('10.0.0.11', { port: 8080, weight: 5 })]]);
const small = directorPlan(table([service(tcp(80)), [dest('10.0.0.11'), dest('10.0.0.12')]]), [markRule(1, ['8443'])], 1);
const bigServices = table(
  [service(tcp(80)), [dest('10.0.0.11'), dest('10.0.0.12')]],
  ...[81, 82, 83, 84].map((port): [IpvsService['service'], IpvsService['destinations']] => [service(tcp(port)), [dest('10.0.0.11', { port }), dest('10.0.0.12', { port })]]),
);
const big = directorPlan(bigServices, [markRule(1, ['9443'])], 2);

function applierOn(stateDir: string, ipvs: Ipvs, marks: FakeMarks) {
  const applier = createDirectorApplier({ stateDir, logger: silentLogger(), kernel: { ipvs: new IpvsWriter(ipvs), marks } });
  return async (plan: HostPlan): Promise<{ result: ResultEvent; events: ApplyEvent[] }> => {
    const events: ApplyEvent[] = [];
    const result = await applier.apply(plan, 'apply', (e) => events.push(e));
    return { result, events };
  };
}

const notices = (events: ApplyEvent[]): string[] => events.flatMap((e) => (e.kind === 'notice' ? [e.message] : []));

/** The small plan applied, a hand-made service beside it, then an apply of the big plan killed after `keep` operations. */
async function killedMidBatch(keep: number): Promise<{ stateDir: string; kernel: FakeIpvs; marks: FakeMarks }> {
  const stateDir = await tempDir('lvsctl-killed-');
  const kernel = new FakeIpvs(HAND_MADE);
  const marks = new FakeMarks();
  const first = await applierOn(stateDir, kernel, marks)(small);
  assert.equal(first.result.outcome, 'changed', first.result.message);
  const dying = new DyingIpvs(kernel, keep);
  void applierOn(stateDir, dying, marks)(big);
  for (let i = 0; i < 100 && !dying.died; i += 1) await new Promise((r) => setTimeout(r, 5));
  assert.ok(dying.died, 'the apply never reached its batch');
  return { stateDir, kernel, marks };
}

describe('an apply cut off by the death of the agent', () => {
  it('leaves the services it added its own: the previous plan, rolled out after the restart, deletes them and reports only the hand-made service unmanaged', async () => {
    const { stateDir, kernel, marks } = await killedMidBatch(5); // 81 with both destinations, 82 with one
    const keys = kernel.snapshot().map((s) => `${s.service.key.kind === 'tcp' ? s.service.key.port : ''}`);
    assert.deepEqual(keys, ['80', '81', '82', '8080'], 'part of the batch is in the kernel');

    const { result, events } = await applierOn(stateDir, kernel, marks)(small);

    assert.equal(result.outcome, 'changed', result.message);
    assert.deepEqual(canonicalTable(kernel.snapshot()), canonicalTable([...small.services.map((s) => ({ service: s.service, destinations: s.realservers.map((r) => r.destination) })), ...HAND_MADE]));
    assert.deepEqual(notices(events), ['unmanaged service tcp 10.0.0.150:8080: not in the plan and not created by lvsctl; left alone']);
  });

  it('completes the plan it was applying when that plan is rolled out again, adopting nothing', async () => {
    const { stateDir, kernel, marks } = await killedMidBatch(4);

    const { result, events } = await applierOn(stateDir, kernel, marks)(big);

    assert.equal(result.outcome, 'changed', result.message);
    assert.deepEqual(canonicalTable(kernel.snapshot()), canonicalTable([...bigServices, ...HAND_MADE]));
    assert.deepEqual(notices(events).filter((n) => !n.startsWith('unmanaged service tcp 10.0.0.150:8080')), []);
    assert.deepEqual((await readOwnership(stateDir)).services.map((k) => (k.kind === 'tcp' ? k.port : -1)).sort(), [80, 81, 82, 83, 84]);
  });

  it('does not claim a hand-made service its plan adopts: killed before the batch, the previous plan after the restart leaves it alone', async () => {
    const stateDir = await tempDir('lvsctl-adopting-');
    const kernel = new FakeIpvs(HAND_MADE);
    const marks = new FakeMarks();
    assert.equal((await applierOn(stateDir, kernel, marks)(small)).result.outcome, 'changed');
    // the next plan adopts the hand-made service (the same key and table) and adds 81
    const adopting = directorPlan(table(
      [service(tcp(80)), [dest('10.0.0.11'), dest('10.0.0.12')]],
      [service(tcp(8080, '10.0.0.150'), { scheduler: 'wrr' }), [dest('10.0.0.11', { port: 8080, weight: 5 })]],
      [service(tcp(81)), [dest('10.0.0.11', { port: 81 })]],
    ), [markRule(1, ['8443'])], 2);
    const dying = new DyingIpvs(kernel, 0);
    void applierOn(stateDir, dying, marks)(adopting);
    for (let i = 0; i < 100 && !dying.died; i += 1) await new Promise((r) => setTimeout(r, 5));
    assert.ok(dying.died, 'the apply never reached its batch');
    assert.deepEqual((await readOwnership(stateDir)).services.map((k) => (k.kind === 'tcp' ? k.port : -1)).sort(), [80, 81], 'claimed: what it may create, not the hand-made service');
    const { result, events } = await applierOn(stateDir, kernel, marks)(small);
    assert.equal(result.outcome, 'ok', result.message);
    assert.ok(kernel.snapshot().some((s) => s.service.key.kind === 'tcp' && s.service.key.port === 8080), 'the hand-made service is still there');
    assert.deepEqual(notices(events), ['unmanaged service tcp 10.0.0.150:8080: not in the plan and not created by lvsctl; left alone']);
  });

  it('owns nothing more after a failed apply that was rolled back: the ownership file is as before it', async () => {
    const stateDir = await tempDir('lvsctl-refused-');
    const kernel = new FakeIpvs(HAND_MADE);
    const marks = new FakeMarks();
    const apply = applierOn(stateDir, kernel, marks);
    await apply(small);
    const before = await fs.readFile(path.join(stateDir, 'director-ownership.json'), 'utf8');
    kernel.failNextBatchAt(4);

    const { result } = await apply(big);

    assert.equal(result.outcome, 'failed');
    assert.match(result.message, /rolled back/);
    assert.equal(await fs.readFile(path.join(stateDir, 'director-ownership.json'), 'utf8'), before);
  });
});
