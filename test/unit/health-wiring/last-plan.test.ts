import assert from 'assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import type { DirectorPlan, RealserverPlan } from '../../../lvs/host-plan';
import { LastPlanFileError, lastPlanFileExists, lastPlanFilePath, lastPlanPatchFilePath, readLastPlan, writeLastPlan } from '../../../agent/state/last-plan';
import { statSync } from 'fs';
import { bigDirectorPlan } from '../../integration/support/big-director-plan';
import { samePlanApartFromGeneration } from '../../../lvs/host-plan';
import { encodeApplyRequest } from '../../../lvs/wire/apply-request-codec';
import { runToEnd } from '../../../lvs/yield-point';

const realserver: RealserverPlan = {
  role: 'realserver', cluster: 'shop', host: 'web1', generation: 7, address: '10.0.0.11', prepare: false,
  duties: [{ service: 'shop', forwarding: 'dr', vips: ['10.0.0.100'], directors: ['10.0.0.1'], ports: [80] }],
};

describe('the last applied plan in --state-dir', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'lvsctl-last-plan-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is absent before the first apply', async () => {
    assert.strictEqual(await readLastPlan(dir), undefined);
  });

  it('reads back exactly what was written, and leaves no temporary file', async () => {
    await writeLastPlan(dir, realserver);
    assert.deepStrictEqual(await readLastPlan(dir), realserver);
    assert.deepStrictEqual(readdirSync(dir), ['last-applied-plan.json']);
  });

  it('keeps the request as it arrived, without encoding it again, and reads the plan back from it', async () => {
    const received = runToEnd(encodeApplyRequest('apply', realserver));
    // another plan in the argument: the file must hold the bytes that arrived
    await writeLastPlan(dir, { ...realserver, generation: 99 }, received);
    assert.deepStrictEqual(await readLastPlan(dir), realserver);
  });

  it('tells the same plan with another generation from a changed one (a director\'s services by identity)', async () => {
    assert.ok(samePlanApartFromGeneration(realserver, { ...realserver, generation: 8 }));
    assert.ok(!samePlanApartFromGeneration(realserver, { ...realserver, duties: [{ ...realserver.duties[0], ports: [80, 443] }] }));
    const service = { name: 'web', service: { key: { kind: 'tcp' as const, vip: '10.0.0.100', port: 80 }, scheduler: 'wlc' as const, flags: [] }, realservers: [] };
    const director: DirectorPlan = { role: 'director', cluster: 'shop', host: 'lvs1', generation: 7, services: [service], marks: [] };
    assert.ok(samePlanApartFromGeneration(director, { ...director, generation: 8, services: [service] }));
    assert.ok(!samePlanApartFromGeneration(director, { ...director, services: [{ ...service }] }), 'another object: written again');
    assert.ok(!samePlanApartFromGeneration(director, { ...director, marks: [{ mark: 1, protocol: 'tcp', destination: '10.0.0.100', ports: ['80'] }] }));
    assert.ok(!samePlanApartFromGeneration(director, realserver));
    assert.equal(await lastPlanFileExists(dir), false);
    await writeLastPlan(dir, director);
    assert.equal(await lastPlanFileExists(dir), true);
  });

  it('asks whether the file is there (after every apply) without a trip to the thread pool', async () => {
    const pending = (): number => process.getActiveResourcesInfo().filter((r) => /^(FSReq|FileHandle|CloseReq|StatWatcher)/.test(r)).length;
    const before = pending();
    const asking = lastPlanFileExists(dir);
    assert.equal(pending(), before, 'an asynchronous stat would wait here as an FSReqPromise');
    assert.equal(typeof await asking, 'boolean');
  });

  it('still reads a version 1 file (the request in base64 inside one JSON text), as an agent before version 2 wrote it', async () => {
    const message = runToEnd(encodeApplyRequest('apply', realserver));
    const v1 = { version: 1, host: realserver.host, role: realserver.role, generation: realserver.generation, plan: message.toString('base64') };
    writeFileSync(lastPlanFilePath(dir), `${JSON.stringify(v1)}\n`);
    assert.deepStrictEqual(await readLastPlan(dir), realserver);
  });

  it('refuses a version 2 file cut short or padded, saying how many bytes it holds', async () => {
    await writeLastPlan(dir, realserver);
    const whole = readFileSync(lastPlanFilePath(dir));
    writeFileSync(lastPlanFilePath(dir), whole.subarray(0, whole.length - 3));
    await assert.rejects(readLastPlan(dir), (err: unknown) =>
      err instanceof LastPlanFileError && /is cut short or padded: its envelope says \d+ bytes of plan, \d+ follow it/.test(err.message) &&
      /run lvsctl rollout again/.test(err.message));
    writeFileSync(lastPlanFilePath(dir), Buffer.concat([whole, Buffer.from('x')]));
    await assert.rejects(readLastPlan(dir), /is cut short or padded/);
    writeFileSync(lastPlanFilePath(dir), '{"version":3}\n');
    await assert.rejects(readLastPlan(dir), /is not a version 1 or 2 last-plan file/);
  });

  it('refuses a damaged file, naming it and the fix', async () => {
    writeFileSync(lastPlanFilePath(dir), '{"version":1,"plan":"AAAA"}');
    await assert.rejects(readLastPlan(dir), (err: unknown) =>
      err instanceof LastPlanFileError && err.message.includes(lastPlanFilePath(dir)) && /run lvsctl rollout again/.test(err.message));
    writeFileSync(lastPlanFilePath(dir), 'not json');
    await assert.rejects(readLastPlan(dir), /is not valid JSON/);
  });
});

describe('the last applied plan after a re-apply that changed a few services', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'lvsctl-last-plan-patch-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The 200-service plan with service `changed`'s first weight set to `weight`, and the request it arrives as. */
  const planWith = (generation: number, weightOf: (service: number) => number): { plan: DirectorPlan; received: Buffer } => {
    const plan = bigDirectorPlan(200, 10, generation);
    plan.services.forEach((s, i) => { s.realservers[0].destination.weight = weightOf(i); });
    return { plan, received: runToEnd(encodeApplyRequest('apply', plan, true, true)) };
  };
  const write = async (p: { plan: DirectorPlan; received: Buffer }): Promise<void> => writeLastPlan(dir, p.plan, p.received);

  it('writes one weight changed as a small patch beside the plan written whole, and reads the new plan back', async () => {
    await write(planWith(1, () => 1));
    const base = statSync(lastPlanFilePath(dir));
    const changed = planWith(2, (i) => (i === 100 ? 7 : 1));
    await write(changed);
    assert.deepStrictEqual(readdirSync(dir).sort(), ['last-applied-plan.json', 'last-applied-plan.patch']);
    assert.equal(statSync(lastPlanFilePath(dir)).ino, base.ino, 'the plan written whole stays as it was');
    assert.ok(statSync(lastPlanPatchFilePath(dir)).size * 20 < base.size, `a patch of ${statSync(lastPlanPatchFilePath(dir)).size} bytes for a ${base.size}-byte plan`);
    assert.deepStrictEqual(await readLastPlan(dir), changed.plan);
    // another small change: the patch replaced, still against the same base
    const again = planWith(3, (i) => (i === 100 ? 7 : i === 3 ? 2 : 1));
    await write(again);
    assert.deepStrictEqual(await readLastPlan(dir), again.plan);
    // every weight changed: written whole again, the patch gone
    const all = planWith(4, () => 3);
    await write(all);
    assert.deepStrictEqual(readdirSync(dir), ['last-applied-plan.json']);
    assert.deepStrictEqual(await readLastPlan(dir), all.plan);
  });

  it('ignores a patch of an earlier plan, as a crash between writing a plan whole and removing the patch leaves it', async () => {
    await write(planWith(1, () => 1));
    await write(planWith(2, (i) => (i === 100 ? 7 : 1)));
    const stale = readFileSync(lastPlanPatchFilePath(dir));
    const whole = planWith(3, () => 5);
    await write(whole);
    writeFileSync(lastPlanPatchFilePath(dir), stale);
    assert.deepStrictEqual(await readLastPlan(dir), whole.plan);
  });

  it('writes the plan whole again when the file was replaced by hand since this agent wrote it', async () => {
    await write(planWith(1, () => 1));
    writeFileSync(lastPlanFilePath(dir), readFileSync(lastPlanFilePath(dir)));
    const changed = planWith(2, (i) => (i === 100 ? 7 : 1));
    await write(changed);
    assert.deepStrictEqual(readdirSync(dir), ['last-applied-plan.json']);
    assert.deepStrictEqual(await readLastPlan(dir), changed.plan);
  });

  it('refuses a damaged patch, naming it and the fix', async () => {
    await write(planWith(1, () => 1));
    await write(planWith(2, (i) => (i === 100 ? 7 : 1)));
    const patch = readFileSync(lastPlanPatchFilePath(dir));
    writeFileSync(lastPlanPatchFilePath(dir), patch.subarray(0, patch.length - 5));
    await assert.rejects(readLastPlan(dir), (err: unknown) =>
      err instanceof LastPlanFileError && err.message.includes(lastPlanPatchFilePath(dir)) && /does not fit the plan it patches/.test(err.message) && /run lvsctl rollout again/.test(err.message));
  });
});
