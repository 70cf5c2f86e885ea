// A rollback must not delete a service it never made. Between the plan's read (up to a minute
// before, checked ahead while the realservers verify) and the batch, someone else may make the
// very service the plan adds: the kernel refuses the add-service as existing, the batch's
// add-destination lands on their service all the same, and the apply fails. The netlink
// backend says which operation was refused and why: the rollback leaves that service alone and
// takes back only the destinations the batch added to it.
import { strict as assert } from 'node:assert';
import type { ApplyEvent, ResultEvent } from '../../../lvs/apply-events';
import type { HostPlan } from '../../../lvs/host-plan';
import type { IpvsOperation } from '../../../lvs/operations';
import { createDirectorApplier } from '../../../agent/director/applier';
import { IpvsWriter } from '../../../agent/kernel/ipvs-writer';
import type { Ipvs } from '../../../agent/kernel/ipvs';
import { FakeIpvs } from '../../../agent/kernel/fake/ipvs';
import { FakeMarks } from '../../../agent/kernel/fake/marks';
import { readOwnership } from '../../../agent/state/ownership';
import { silentLogger } from '../../../agent/logging';
import { IpvsadmBatchError } from '../../../lvs/formats/ipvsadm-errors';
import { dest, directorPlan, service, table, tcp } from './builders';
import { tempDir } from '../../temp-dirs';

/** The kernel, where someone else runs `theirs` just before the next batch with an operation of kind `before`. */
class SomeoneElseFirst implements Ipvs {
  private done = false;
  /** called once the batch after theirs has failed */
  afterBatch: (() => void) | undefined;
  constructor(private readonly kernel: FakeIpvs, private readonly theirs: IpvsOperation[], private readonly before: IpvsOperation['op'] = 'add-service') {}
  read() { return this.kernel.read(); }
  list() { return this.kernel.list(); }
  connections() { return this.kernel.connections(); }
  async applyBatch(ops: IpvsOperation[]): Promise<void> {
    const first = !this.done && ops.some((op) => op.op === this.before);
    if (first) {
      this.done = true;
      await this.kernel.applyBatch(this.theirs);
    }
    try {
      await this.kernel.applyBatch(ops);
    } catch (error) {
      if (first) this.afterBatch?.();
      throw error;
    }
  }
}

describe('a rollback and a service made meanwhile by someone else', () => {
  it('leaves their service alone and takes back only the destination the batch added to it', async () => {
    const stateDir = await tempDir('lvsctl-appeared-');
    const kernel = new FakeIpvs();
    kernel.refusalsLikeNetlink = true;
    const marks = new FakeMarks();
    const small = directorPlan(table([service(tcp(80)), [dest('10.0.0.11')]]), [], 1);
    const grown = directorPlan(table([service(tcp(80)), [dest('10.0.0.11')]], [service(tcp(81)), [dest('10.0.0.11', { port: 81 })]]), [], 2);
    const run = async (ipvs: Ipvs, plan: HostPlan): Promise<{ result: ResultEvent; events: ApplyEvent[] }> => {
      const events: ApplyEvent[] = [];
      const applier = createDirectorApplier({ stateDir, logger: silentLogger(), kernel: { ipvs: new IpvsWriter(ipvs), marks } });
      return { result: await applier.apply(plan, 'apply', (e) => events.push(e)), events };
    };
    assert.equal((await run(kernel, small)).result.outcome, 'changed');
    const theirService = service(tcp(81), { scheduler: 'wlc' });
    const theirDestination = dest('10.0.0.99', { port: 81, weight: 7 });
    const meanwhile = new SomeoneElseFirst(kernel, [
      { op: 'add-service', service: theirService },
      { op: 'add-destination', key: theirService.key, destination: theirDestination },
    ]);
    const { result } = await run(meanwhile, grown);
    assert.equal(result.outcome, 'failed', result.message);
    assert.match(result.message, /rolled back: .*left tcp 10\.0\.0\.100:81 alone: made in the kernel by someone else after the plan was read \(the apply's add-service was refused as existing\), and took back the 1 destination\(s\) this apply had added to it/);
    const theirs = kernel.snapshot().find((s) => s.service.key.kind === 'tcp' && s.service.key.port === 81);
    assert.ok(theirs, 'their service is still in the kernel');
    assert.deepEqual(theirs.destinations, [theirDestination]);
    assert.equal(theirs.service.scheduler, 'wlc');
    assert.deepEqual((await readOwnership(stateDir)).services.map((k) => (k.kind === 'tcp' ? k.port : -1)), [80]);
  });

  it('with ipvsadm, whose refusal names no service, tells theirs from its own by what the kernel holds: theirs stays, its own goes', async () => {
    const { kernel, run } = await rig(false);
    assert.equal((await run(kernel, small)).result.outcome, 'changed');
    const grownTwice = directorPlan(table([service(tcp(80)), [dest('10.0.0.11')]], [service(tcp(81)), [dest('10.0.0.11', { port: 81 })]], [service(tcp(82)), [dest('10.0.0.11', { port: 82 })]]), [], 2);
    const { result } = await run(new AsIpvsadmPrints(new SomeoneElseFirst(kernel, theirs)), grownTwice);

    assert.equal(result.outcome, 'failed', result.message);
    assert.match(result.message, /rolled back: .*left tcp 10\.0\.0\.100:81 alone: held otherwise than this apply wrote it, so made by someone else after the plan was read \(ipvsadm refused an add-service as existing\), and took back the 1 destination\(s\) this apply had added to it; the 1 other service\(s\) this apply had added were its own \(as it wrote them\) and are deleted/);
    const ports = kernel.snapshot().map((s) => (s.service.key.kind === 'tcp' ? s.service.key.port : -1));
    assert.deepEqual(ports, [80, 81], 'their :81 stays, its own :82 is gone');
    const port81 = kernel.snapshot().find((s) => s.service.key.kind === 'tcp' && s.service.key.port === 81);
    assert.deepEqual(port81?.destinations.map((d) => d.address), ['10.0.0.99'], 'the destination the batch added to it is taken back');
  });

  it('with ipvsadm, leaves every service the batch added alone when theirs cannot be told from its own, and says why', async () => {
    const { kernel, run } = await rig(false);
    assert.equal((await run(kernel, small)).result.outcome, 'changed');
    // someone made :81 just as the plan would, with no destination yet
    const sameAsPlanned: IpvsOperation[] = [{ op: 'add-service', service: service(tcp(81)) }];
    const { result } = await run(new AsIpvsadmPrints(new SomeoneElseFirst(kernel, sameAsPlanned)), grown);

    assert.equal(result.outcome, 'failed', result.message);
    assert.match(result.message, /rolled back: .*left tcp 10\.0\.0\.100:81 alone: ipvsadm refused an add-service as existing without naming it, so lvsctl cannot tell which of these someone else made meanwhile/);
    assert.ok(kernel.snapshot().some((s) => s.service.key.kind === 'tcp' && s.service.key.port === 81), 'not deleted on a guess');
  });

  it('leaves alone a destination someone else added meanwhile to a service of the plan', async () => {
    const { kernel, run } = await rig(true);
    assert.equal((await run(kernel, small)).result.outcome, 'changed');
    const twelve = dest('10.0.0.12', { weight: 5 });
    const both = directorPlan(table([service(tcp(80)), [dest('10.0.0.11'), dest('10.0.0.12')]]), [], 2);
    const { result } = await run(new SomeoneElseFirst(kernel, [{ op: 'add-destination', key: tcp(80), destination: twelve }], 'add-destination'), both);

    assert.equal(result.outcome, 'failed', result.message);
    assert.match(result.message, /rolled back: .*left tcp 10\.0\.0\.100:80 -> 10\.0\.0\.12:80 alone: added in the kernel by someone else after the plan was read/);
    const port80 = kernel.snapshot().find((s) => s.service.key.kind === 'tcp' && s.service.key.port === 80);
    assert.deepEqual(port80?.destinations.map((d) => [d.address, d.weight]), [['10.0.0.11', 1], ['10.0.0.12', 5]]);
  });

  it('takes a service made meanwhile out of its claim when the rollback fails, so the next rollout does not delete it', async () => {
    const { stateDir, kernel, run } = await rig(true);
    assert.equal((await run(kernel, small)).result.outcome, 'changed');
    const meanwhile = new SomeoneElseFirst(kernel, theirs);
    meanwhile.afterBatch = () => kernel.failNextRead('Memory allocation problem');
    const { result } = await run(meanwhile, grown);

    assert.match(result.message, /ROLLBACK FAILED/);
    assert.deepEqual((await readOwnership(stateDir)).services.map((k) => (k.kind === 'tcp' ? k.port : -1)), [80], 'claimed: only what was owned before');
    assert.equal((await run(kernel, small)).result.outcome, 'ok', 'the next rollout finds the plan in place and leaves theirs alone');
    assert.ok(kernel.snapshot().some((s) => s.service.key.kind === 'tcp' && s.service.key.port === 81), 'their service is still in the kernel');
  });
});

/** The small plan, the one that grows it by tcp :81, and the service someone else makes meanwhile. */
const small = directorPlan(table([service(tcp(80)), [dest('10.0.0.11')]]), [], 1);
const grown = directorPlan(table([service(tcp(80)), [dest('10.0.0.11')]], [service(tcp(81)), [dest('10.0.0.11', { port: 81 })]]), [], 2);
const theirService = service(tcp(81), { scheduler: 'wlc' });
const theirs: IpvsOperation[] = [
  { op: 'add-service', service: theirService },
  { op: 'add-destination', key: theirService.key, destination: dest('10.0.0.99', { port: 81, weight: 7 }) },
];

async function rig(likeNetlink: boolean) {
  const stateDir = await tempDir('lvsctl-appeared-');
  const kernel = new FakeIpvs();
  kernel.refusalsLikeNetlink = likeNetlink;
  const marks = new FakeMarks();
  const run = async (ipvs: Ipvs, plan: HostPlan): Promise<{ result: ResultEvent; events: ApplyEvent[] }> => {
    const events: ApplyEvent[] = [];
    const applier = createDirectorApplier({ stateDir, logger: silentLogger(), kernel: { ipvs: new IpvsWriter(ipvs), marks } });
    return { result: await applier.apply(plan, 'apply', (e) => events.push(e)), events };
  };
  return { stateDir, kernel, run };
}

/** A batch's refusals as ipvsadm -R prints them: libipvs's words alone, no line and no service. */
class AsIpvsadmPrints implements Ipvs {
  constructor(private readonly kernel: Ipvs) {}
  read() { return this.kernel.read(); }
  list() { return this.kernel.list(); }
  connections() { return this.kernel.connections(); }
  async applyBatch(ops: IpvsOperation[]): Promise<void> {
    try {
      await this.kernel.applyBatch(ops);
    } catch (error) {
      if (!(error instanceof IpvsadmBatchError)) throw error;
      throw new IpvsadmBatchError(error.lines.map((l) => l.replace(/^.*: /, '')).join('\n'));
    }
  }
}
