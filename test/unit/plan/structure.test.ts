import { strict as assert } from 'node:assert';
import { validatePlan } from '../../../controller/plan/validate';
import { basePlan, expectProblem, planWith, type JsonObject } from './helpers';

describe('plan structure (rule 1)', () => {
  it('names an unknown key and suggests the closest known one', () => {
    const plan = planWith([{ name: 'web', vip: '10.0.0.100', port: 0, persistance: { timeout: 360 }, realservers: [] }]);
    const p = expectProblem(plan, '/services/0/persistance', /unknown key "persistance"/);
    assert.equal(p.hint, 'did you mean "persistence"?');
  });

  it('lists the known keys when no key is close', () => {
    const plan = { ...basePlan(), colour: 'blue' };
    const p = expectProblem(plan, '/colour', /unknown key "colour"/);
    assert.match(p.hint ?? '', /known keys here: apiVersion, cluster/);
  });

  it('says what an address looks like', () => {
    const plan = basePlan();
    (plan.hosts as JsonObject).web1 = { role: 'realserver', address: '10.0.0.300' };
    const p = expectProblem(plan, '/hosts/web1/address', /must be an IPv4 or IPv6 address/);
    assert.match(p.message, /"10\.0\.0\.300"/);
  });

  it('names a missing required field and shows an example', () => {
    const plan = basePlan();
    delete plan.apiVersion;
    const p = expectProblem(plan, '/apiVersion', /"apiVersion" is required/);
    assert.match(p.hint ?? '', /"lvsctl\/v1"/);
  });

  it('says a quoted number should be a number', () => {
    const plan = planWith([{ name: 'web', vip: '10.0.0.100', port: '80', realservers: [] }]);
    const p = expectProblem(plan, '/services/0/port', /must be a number, not the string "80"/);
    assert.equal(p.hint, 'write 80 without quotes');
  });

  it('suggests the closest scheduler for a misspelt one', () => {
    const plan = planWith([{ name: 'web', vip: '10.0.0.100', port: 80, scheduler: 'wrrr', realservers: [] }]);
    const p = expectProblem(plan, '/services/0/scheduler', /must be one of "rr", "wrr"/);
    assert.equal(p.hint, 'did you mean "wrr"?');
  });

  it('gives bounds in words', () => {
    const plan = planWith([{ name: 'web', vip: '10.0.0.100', port: 80, realservers: [{ host: 'web1', weight: 70000 }] }]);
    expectProblem(plan, '/services/0/realservers/0/weight', /must be at most 65535, not the number 70000/);
  });

  it('says a name starts with a letter or a digit, the one rule a name of allowed characters can break', () => {
    const plan = basePlan();
    (plan.services as JsonObject[])[0].name = '_web';
    expectProblem(plan, '/services/0/name', /must be letters, digits, "\.", "_" and "-", starting with a letter or a digit/);
  });

  it('counts in the singular where the count is one: "1 character", "1 second"', () => {
    const empty = basePlan();
    (empty.services as JsonObject[])[0].name = '';
    expectProblem(empty, '/services/0/name', /^must be at least 1 character long$/);
    const plan = planWith([{ name: 'web', vip: '10.0.0.100', port: 80, realservers: [{ host: 'web1' }], healthCheck: { type: 'tcp', interval: 1 } }]);
    assert.match(expectProblem(plan, '/services/0/healthCheck/interval', /must be/).hint ?? '', /write "1s" for 1 second \(/);
  });

  it('refuses a document that is not an object, without throwing', () => {
    for (const input of [null, [], 'plan', 42]) {
      const result = validatePlan(input);
      assert.equal(result.ok, false);
      assert.equal(result.problems[0].pointer, '');
    }
  });

  it('still checks the other rules when an entry has a typo', () => {
    const plan = planWith([
      { name: 'a', vip: '10.0.0.100', port: 80, weigth: 1, realservers: [] },
      { name: 'a', vip: '10.0.0.101', port: 80, realservers: [] },
    ]);
    expectProblem(plan, '/services/0/weigth', /unknown key/);
    expectProblem(plan, '/services/1/name', /already used by \/services\/0/);
  });

  it('accepts the base plan and fills in defaults', () => {
    const result = validatePlan(basePlan());
    assert.ok(result.ok);
    assert.equal(result.plan.services[0].scheduler, 'wlc');
    assert.equal(result.plan.services[0].forwarding, 'dr');
    assert.equal(result.plan.agent.port, 7400);
    assert.equal(result.plan.services[0].realservers[0].weight, 1);
  });
});
