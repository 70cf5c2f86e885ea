// Preconditions spawn processes to check: once at start, then only after an apply failed.
import { strict as assert } from 'node:assert';
import { recheckPreconditionsOnFailure } from '../../../agent/director/recheck-on-failure';
import { CachedPreconditions } from '../../../agent/kernel/cached-preconditions';
import type { PreconditionProblem } from '../../../agent/kernel/preconditions';
import type { HostApplier, ResultEvent } from '../../../lvs/apply-events';
import { directorPlan } from '../wire/sample-host-plans';

function counting(answers: PreconditionProblem[][]) {
  let checks = 0;
  return {
    get checks() { return checks; },
    check: async () => answers[Math.min(checks++, answers.length - 1)],
  };
}

const NO_IPVS: PreconditionProblem = { subject: 'ip_vs', message: 'the kernel has no IPVS', fix: 'modprobe ip_vs' };

describe('director preconditions, checked once and again after a failure', () => {
  it('checks once while they hold, however many applies follow', async () => {
    const inner = counting([[]]);
    const cached = new CachedPreconditions(inner);
    for (let i = 0; i < 5; i++) assert.deepEqual(await cached.check(), []);
    assert.equal(inner.checks, 1);
  });

  it('never caches a failing check: it is asked again until it holds', async () => {
    const inner = counting([[NO_IPVS], [NO_IPVS], []]);
    const cached = new CachedPreconditions(inner);
    assert.deepEqual(await cached.check(), [NO_IPVS]);
    assert.deepEqual(await cached.check(), [NO_IPVS]);
    assert.deepEqual(await cached.check(), []);
    assert.deepEqual(await cached.check(), []);
    assert.equal(inner.checks, 3);
  });

  it('checks afresh at the apply after a failed one', async () => {
    const inner = counting([[], [NO_IPVS]]);
    const cached = new CachedPreconditions(inner);
    let outcome: ResultEvent['outcome'] = 'ok';
    const applier: HostApplier = {
      apply: async () => {
        const problems = await cached.check();
        return { kind: 'result', outcome: problems.length ? 'failed' : outcome, changed: 0, message: problems.map((p) => p.message).join('; ') || 'done' };
      },
    };
    const wrapped = recheckPreconditionsOnFailure(applier, cached);
    assert.equal((await wrapped.apply(directorPlan(1), 'apply', () => undefined)).outcome, 'ok');
    assert.equal((await wrapped.apply(directorPlan(2), 'apply', () => undefined)).outcome, 'ok');
    assert.equal(inner.checks, 1, 'no check while they hold');
    outcome = 'failed';
    await wrapped.apply(directorPlan(3), 'apply', () => undefined);
    const next = await wrapped.apply(directorPlan(4), 'apply', () => undefined);
    assert.equal(inner.checks, 2, 'checked again after the failure');
    assert.equal(next.message, 'the kernel has no IPVS');
  });
});
