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
import { dest, directorPlan, service, table, tcp } from './builders';
import { tempDir } from '../../temp-dirs';

/** The kernel, where someone else makes `theirs` just before the next batch that adds the same service. */
class SomeoneElseFirst implements Ipvs {
  private done = false;
  constructor(private readonly kernel: FakeIpvs, private readonly theirs: IpvsOperation[]) {}
  read() { return this.kernel.read(); }
  list() { return this.kernel.list(); }
  connections() { return this.kernel.connections(); }
  async applyBatch(ops: IpvsOperation[]): Promise<void> {
    if (!this.done && ops.some((op) => op.op === 'add-service')) {
      this.done = true;
      await this.kernel.applyBatch(this.theirs);
    }
    return this.kernel.applyBatch(ops);
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
});
