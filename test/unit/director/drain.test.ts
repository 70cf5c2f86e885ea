import { strict as assert } from 'node:assert';
import { IpvsWriter } from '../../../agent/kernel/ipvs-writer';
import { createDrainSweeper } from '../../../agent/director/drain-sweeper';
import { FakeIpvs } from '../../../agent/kernel/fake/ipvs';
import type { ServiceKey } from '../../../lvs/model';
import { readOwnership } from '../../../agent/state/ownership';
import { dest, directorPlan, fwmark, service, table, tcp, VIP } from './builders';
import { directorRig, notices, silent, stepLines, steps, T0, type Rig } from './rig';

const udp53: ServiceKey = { kind: 'udp', vip: VIP, port: 53 };
const web = (...addresses: string[]) => directorPlan(table([service(tcp(80)), addresses.map((a) => dest(a))]));
const weights = (r: Rig, key: ServiceKey = tcp(80)) =>
  Object.fromEntries((r.ipvs.snapshot().find((s) => JSON.stringify(s.service.key) === JSON.stringify(key))?.destinations ?? []).map((d) => [d.address, d.weight]));

/** The web service applied with .11 and .12, then a plan without .12. */
async function draining12(init: { drainTimeoutMs?: number } = {}): Promise<Rig> {
  const r = await directorRig(init);
  await r.run(web('10.0.0.11', '10.0.0.12'));
  r.ipvs.setConnections(tcp(80), dest('10.0.0.12'), 3, 1);
  return r;
}

describe('graceful drain of a realserver the plan drops', () => {
  it('sets its weight to 0 instead of deleting it, and records the drain', async () => {
    const r = await draining12();
    const { result, events } = await r.run(web('10.0.0.11'));
    assert.equal(result.outcome, 'changed');
    assert.equal(result.changed, 1);
    assert.deepEqual(stepLines(events), ['drain-destination tcp 10.0.0.100:80 -> 10.0.0.12:80 changed']);
    assert.match(steps(events)[0].message, /weight 0 now, deleted once its connections end or after 300 s/);
    assert.deepEqual(weights(r), { '10.0.0.11': 1, '10.0.0.12': 0 });
    assert.deepEqual(r.ipvs.batches.at(-1)?.map((op) => op.op), ['edit-destination']);
    assert.deepEqual((await readOwnership(r.stateDir)).draining, [{ since: T0, service: tcp(80), address: '10.0.0.12', port: 80 }]);
  });

  it('in check mode says it would drain and changes nothing', async () => {
    const r = await draining12();
    const { result, events } = await r.run(web('10.0.0.11'), 'check');
    assert.equal(result.changed, 1);
    assert.match(steps(events)[0].message, /^would drain realserver/);
    assert.deepEqual(weights(r), { '10.0.0.11': 1, '10.0.0.12': 1 });
    assert.deepEqual((await readOwnership(r.stateDir)).draining, []);
  });

  it('keeps it while it has connections: a re-apply changes nothing and says it is draining', async () => {
    const r = await draining12();
    await r.run(web('10.0.0.11'));
    r.clock.now += 60_000;
    const { result, events } = await r.run(web('10.0.0.11'));
    assert.equal(result.outcome, 'ok');
    assert.deepEqual(stepLines(events), []);
    assert.ok(notices(events).some((n) => n.startsWith('draining tcp 10.0.0.100:80 -> 10.0.0.12:80 (weight 0 since 2026-01-01T00:00:00.000Z)')), notices(events).join('\n'));
    assert.deepEqual(weights(r), { '10.0.0.11': 1, '10.0.0.12': 0 });
  });

  it('sets the weight of a draining realserver back to 0 when someone raised it, as a drain step', async () => {
    const r = await draining12();
    await r.run(web('10.0.0.11'));
    await r.ipvs.applyBatch([{ op: 'edit-destination', key: tcp(80), destination: dest('10.0.0.12', { weight: 5 }), before: dest('10.0.0.12', { weight: 0 }) }]);
    const { result, events } = await r.run(web('10.0.0.11'));
    assert.equal(result.changed, 1);
    assert.deepEqual(stepLines(events), ['drain-destination tcp 10.0.0.100:80 -> 10.0.0.12:80 changed']);
    assert.deepEqual(weights(r), { '10.0.0.11': 1, '10.0.0.12': 0 });
    assert.equal((await readOwnership(r.stateDir)).draining[0].since, T0, 'the drain keeps its start');
  });

  it('deletes it at the next apply once its active and inactive connections reach 0', async () => {
    const r = await draining12();
    await r.run(web('10.0.0.11'));
    r.ipvs.setConnections(tcp(80), dest('10.0.0.12'), 0, 0);
    const reads = r.ipvs.calls.list;
    const { result, events } = await r.run(web('10.0.0.11'));
    assert.equal(r.ipvs.calls.list - reads, 1, 'one listing of the table');
    assert.equal(result.outcome, 'changed');
    assert.deepEqual(stepLines(events), ['delete-destination tcp 10.0.0.100:80 -> 10.0.0.12:80 changed']);
    assert.match(steps(events)[0].message, /no connections left/);
    assert.deepEqual(weights(r), { '10.0.0.11': 1 });
    assert.deepEqual((await readOwnership(r.stateDir)).draining, []);
  });

  it('deletes it once the drain timeout passed, connections or not, and says so', async () => {
    const r = await draining12({ drainTimeoutMs: 120_000 });
    await r.run(web('10.0.0.11'));
    r.clock.now += 119_999;
    await r.run(web('10.0.0.11'));
    assert.deepEqual(weights(r), { '10.0.0.11': 1, '10.0.0.12': 0 }, 'not before the timeout');
    r.clock.now += 1;
    const { events } = await r.run(web('10.0.0.11'));
    assert.match(steps(events)[0].message, /drain timeout of 120 s passed with 3 active and 1 inactive connection\(s\) left/);
    assert.deepEqual(weights(r), { '10.0.0.11': 1 });
  });

  it('deletes a UDP destination at once: there is no connection to wait for', async () => {
    const r = await directorRig();
    const dns = (...addresses: string[]) => directorPlan(table([service(udp53), addresses.map((a) => dest(a, { port: 53 }))]));
    await r.run(dns('10.0.0.11', '10.0.0.12'));
    const { events } = await r.run(dns('10.0.0.11'));
    assert.deepEqual(stepLines(events), ['delete-destination udp 10.0.0.100:53 -> 10.0.0.12:53 changed']);
    assert.deepEqual(weights(r, udp53), { '10.0.0.11': 1 });
    assert.deepEqual((await readOwnership(r.stateDir)).draining, []);
  });

  it('drains a fwmark destination too (a mark may carry TCP)', async () => {
    const r = await directorRig();
    const shop = (...addresses: string[]) => directorPlan(table([service(fwmark(1)), addresses.map((a) => dest(a, { port: 0 }))]));
    await r.run(shop('10.0.0.11', '10.0.0.12'));
    const { events } = await r.run(shop('10.0.0.11'));
    assert.deepEqual(stepLines(events), ['drain-destination fwmark 1 -> 10.0.0.12:0 changed']);
  });

  it('takes a destination that comes back into the plan off the drain list and gives its weight back', async () => {
    const r = await draining12();
    await r.run(web('10.0.0.11'));
    const back = directorPlan(table([service(tcp(80)), [dest('10.0.0.11'), dest('10.0.0.12', { weight: 4 })]]));
    const { events } = await r.run(back);
    assert.deepEqual(stepLines(events), ['edit-destination tcp 10.0.0.100:80 -> 10.0.0.12:80 changed']);
    assert.ok(notices(events).some((n) => n.includes('10.0.0.12:80 is back in the plan while draining')));
    assert.deepEqual(weights(r), { '10.0.0.11': 1, '10.0.0.12': 4 });
    assert.deepEqual((await readOwnership(r.stateDir)).draining, []);
  });

  it('deletes a whole service the plan drops at once, and forgets its drains', async () => {
    const r = await draining12();
    await r.run(web('10.0.0.11'));
    const { events } = await r.run(directorPlan([], [], 3));
    assert.deepEqual(stepLines(events), ['delete-service tcp 10.0.0.100:80 changed']);
    assert.deepEqual(r.ipvs.snapshot(), []);
    assert.deepEqual((await readOwnership(r.stateDir)).draining, []);
  });

  it('puts weights and the drain list back when the apply fails', async () => {
    const r = await draining12();
    await r.run(web('10.0.0.11'));
    const before = r.ipvs.snapshot();
    const ownedBefore = await readOwnership(r.stateDir);
    // .12 comes back, .11 starts draining, a new .13 is added: three lines, the last refused.
    r.ipvs.failNextBatchAt(3, 'Memory allocation problem');
    const { result } = await r.run(web('10.0.0.12', '10.0.0.13'));
    assert.equal(result.outcome, 'failed');
    assert.match(result.message, /rolled back/);
    assert.deepEqual(r.ipvs.snapshot(), before);
    assert.deepEqual(await readOwnership(r.stateDir), ownedBefore);
    assert.deepEqual(ownedBefore.draining.map((d) => d.address), ['10.0.0.12']);
  });
});

describe('the drain sweeper for the agent\'s timer', () => {
  async function sweeperOn(r: Rig, timeoutMs = 300_000) {
    return createDrainSweeper({ stateDir: r.stateDir, writer: new IpvsWriter(r.ipvs), now: () => r.clock.now, timeoutMs, logger: silent });
  }

  it('reads nothing when nothing drains', async () => {
    const r = await directorRig();
    await r.run(web('10.0.0.11'));
    assert.deepEqual(await (await sweeperOn(r)).sweep(), { removed: [], waiting: [] });
    assert.equal(r.ipvs.calls.list, 0);
  });

  it('reports what still drains, then deletes it with one batch when its connections end', async () => {
    const r = await draining12();
    await r.run(web('10.0.0.11'));
    const sweeper = await sweeperOn(r);
    assert.deepEqual(await sweeper.sweep(), { removed: [], waiting: ['tcp 10.0.0.100:80 -> 10.0.0.12:80'] });
    r.ipvs.setConnections(tcp(80), dest('10.0.0.12'), 0, 0);
    const batches = r.ipvs.calls.applyBatch;
    assert.deepEqual(await sweeper.sweep(), { removed: ['tcp 10.0.0.100:80 -> 10.0.0.12:80'], waiting: [] });
    assert.equal(r.ipvs.calls.applyBatch - batches, 1);
    assert.deepEqual(weights(r), { '10.0.0.11': 1 });
    assert.deepEqual((await readOwnership(r.stateDir)).draining, []);
  });

  it('drops from the list a destination someone else already deleted', async () => {
    const r = await draining12();
    await r.run(web('10.0.0.11'));
    await r.ipvs.applyBatch([{ op: 'delete-destination', key: tcp(80), destination: dest('10.0.0.12', { weight: 0 }) }]);
    assert.deepEqual(await (await sweeperOn(r)).sweep(), { removed: [], waiting: [] });
    assert.deepEqual((await readOwnership(r.stateDir)).draining, []);
  });

  it('rejects when a deletion is refused, and keeps that destination on the list', async () => {
    const r = await draining12({ drainTimeoutMs: 1 });
    await r.run(web('10.0.0.11'));
    r.clock.now += 10;
    r.ipvs.failNextBatchAt(1, 'Memory allocation problem');
    await assert.rejects((await sweeperOn(r, 1)).sweep(), /drain sweep: deleting 1 drained destination\(s\) failed: .*Memory allocation problem/);
    assert.deepEqual((await readOwnership(r.stateDir)).draining.map((d) => d.address), ['10.0.0.12']);
  });

  it('rejects without changing anything when the connections cannot be read', async () => {
    const r = await draining12();
    await r.run(web('10.0.0.11'));
    r.ipvs.failNextList('Can\'t initialize ipvs');
    await assert.rejects((await sweeperOn(r)).sweep(), /Can't initialize ipvs/);
    assert.deepEqual(weights(r), { '10.0.0.11': 1, '10.0.0.12': 0 });
  });
});
