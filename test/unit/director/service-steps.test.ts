// A service the plan adds is one step naming every realserver added with it (a 2,000 x 10
// load is 2,000 steps, not 22,000); the result still counts every change, and a realserver
// added to a service that exists stays a step of its own.
import { strict as assert } from 'node:assert';
import { REALSERVERS_PER_SERVICE_STEP } from '../../../agent/director/apply-report';
import { FakeIpvs } from '../../../agent/kernel/fake/ipvs';
import { dest, directorPlan, service, table, tcp } from './builders';
import { directorRig, stepLines, steps } from './rig';

describe('director steps of a service it adds', () => {
  it('reports a new service and its realservers as one step naming each, and counts every change', async () => {
    const r = await directorRig();
    const plan = directorPlan(table([service(tcp(80)), [dest('10.0.0.11', { forwarding: 'nat' }), dest('10.0.0.12', { weight: 3 })]]));
    const { result, events } = await r.run(plan);
    assert.equal(result.changed, 3);
    assert.deepEqual(stepLines(events), ['add-service tcp 10.0.0.100:80 changed']);
    assert.equal(steps(events)[0].message,
      'add service (scheduler rr, not persistent) with 2 realservers: 10.0.0.11:80 (nat, weight 1), 10.0.0.12:80 (dr, weight 3)');
  });

  it('says "would" in check mode and names a service added without realservers alone', async () => {
    const r = await directorRig();
    const plan = directorPlan(table([service(tcp(80)), [dest('10.0.0.11')]], [service(tcp(81)), []]));
    const { result, events } = await r.run(plan, 'check');
    assert.equal(result.changed, 3);
    assert.deepEqual(steps(events).map((s) => s.message), [
      'would add service (scheduler rr, not persistent) with 1 realserver: 10.0.0.11:80 (dr, weight 1)',
      'would add service (scheduler rr, not persistent)',
    ]);
  });

  it(`names at most ${REALSERVERS_PER_SERVICE_STEP} realservers in the service's step; the others are steps of their own`, async () => {
    const r = await directorRig();
    const many = Array.from({ length: REALSERVERS_PER_SERVICE_STEP + 2 }, (_, i) => dest(`10.0.${i >> 8}.${(i & 255) + 1}`));
    const { result, events } = await r.run(directorPlan(table([service(tcp(80)), many])));
    assert.equal(result.changed, many.length + 1);
    const lines = stepLines(events);
    assert.deepEqual(lines, [
      'add-service tcp 10.0.0.100:80 changed',
      `add-destination tcp 10.0.0.100:80 -> ${many[many.length - 2].address}:80 changed`,
      `add-destination tcp 10.0.0.100:80 -> ${many[many.length - 1].address}:80 changed`,
    ]);
    assert.match(steps(events)[0].message, new RegExp(`with ${REALSERVERS_PER_SERVICE_STEP} realservers: 10\\.0\\.0\\.1:80 \\(dr, weight 1\\), `));
    assert.equal(steps(events)[0].message.split('), ').length, REALSERVERS_PER_SERVICE_STEP);
  });

  it('keeps a realserver added to a service that exists a step of its own', async () => {
    const ipvs = new FakeIpvs(table([service(tcp(80)), [dest('10.0.0.11')]]));
    const r = await directorRig({ ipvs });
    // adopted first, then a second realserver is planned
    await r.run(directorPlan(table([service(tcp(80)), [dest('10.0.0.11')]])));
    const { result, events } = await r.run(directorPlan(table([service(tcp(80)), [dest('10.0.0.11'), dest('10.0.0.12')]]), [], 2));
    assert.equal(result.changed, 1);
    assert.deepEqual(stepLines(events), ['add-destination tcp 10.0.0.100:80 -> 10.0.0.12:80 changed']);
  });

  it('marks the whole service step not kept when the batch is rolled back', async () => {
    const ipvs = new FakeIpvs();
    ipvs.failNextBatchAt(3); // the second realserver's add
    const r = await directorRig({ ipvs });
    const { result, events } = await r.run(directorPlan(table([service(tcp(80)), [dest('10.0.0.11'), dest('10.0.0.12')]])));
    assert.equal(result.outcome, 'failed');
    const skipped = steps(events).filter((s) => s.status === 'skipped');
    assert.deepEqual(skipped.map((s) => `${s.action} ${s.target}`), ['add-service tcp 10.0.0.100:80']);
    assert.match(skipped[0].message, /^add service \(scheduler rr, not persistent\) with 2 realservers: .* \(not kept: rolled back\)$/);
    assert.deepEqual(ipvs.snapshot(), []);
  });
});
