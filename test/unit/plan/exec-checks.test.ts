// An exec check's command must lie inside the --exec-checks directory the plan gives the
// directors that run it: outside, their agents refuse to run it and take every realserver down.
import { strict as assert } from 'node:assert';
import { validatePlan } from '../../../controller/plan/validate';
import { basePlan, expectProblem, expectValid, type Json, type JsonObject } from './helpers';

function withExec(command: string, agent?: Json, lvs1Options?: Json): JsonObject {
  const plan = basePlan();
  plan.services = [{ name: 'db', vip: '10.0.0.100', port: 3306, realservers: [{ host: 'web1' }], healthCheck: { type: 'exec', exec: { command } } }];
  if (agent !== undefined) plan.agent = agent;
  if (lvs1Options !== undefined) (plan.hosts as JsonObject).lvs1 = { role: 'director', address: '10.0.0.1', agentOptions: lvs1Options };
  return plan;
}

describe('exec checks and the directors\' --exec-checks directory', () => {
  it('takes a command inside the directory the plan gives the directors', () => {
    expectValid(withExec('/etc/lvsctl/checks/db', { director: { execChecks: '/etc/lvsctl/checks' } }));
    expectValid(withExec('/etc/lvsctl/checks/sub/db', { director: { execChecks: '/etc/lvsctl/checks/' } }));
  });

  it('refuses a command outside it, naming the director, the directory and where the plan sets it', () => {
    const p = expectProblem(withExec('/usr/local/bin/check-db', { director: { execChecks: '/etc/lvsctl/checks' } }), '/services/0/healthCheck/exec/command',
      /^\/usr\/local\/bin\/check-db is not inside \/etc\/lvsctl\/checks, the --exec-checks directory of director "lvs1" \(\/agent\/director\/execChecks\): its agent would refuse to run it, and every realserver of "db" would be taken down$/);
    assert.match(p.hint ?? '', /put the command in \/etc\/lvsctl\/checks/);
    // a way out by "..", and a directory that only shares a prefix, are outside too
    expectProblem(withExec('/etc/lvsctl/checks/../../../bin/sh', { director: { execChecks: '/etc/lvsctl/checks' } }), '/services/0/healthCheck/exec/command', /is not inside/);
    expectProblem(withExec('/etc/lvsctl/checks-old/db', { director: { execChecks: '/etc/lvsctl/checks' } }), '/services/0/healthCheck/exec/command', /is not inside/);
  });

  it('takes a director\'s own agentOptions over the role\'s', () => {
    expectProblem(withExec('/etc/lvsctl/checks/db', { director: { execChecks: '/etc/lvsctl/checks' } }, { execChecks: '/srv/checks' }), '/services/0/healthCheck/exec/command',
      /not inside \/srv\/checks, the --exec-checks directory of director "lvs1" \(\/hosts\/lvs1\/agentOptions\/execChecks\)/);
  });

  it('warns, without refusing, when the plan gives the directors no directory', () => {
    const result = validatePlan(withExec('/usr/local/bin/check-db'));
    assert.equal(result.ok, true);
    const warning = result.warnings.find((w) => w.pointer === '/services/0/healthCheck/exec/command');
    assert.match(warning?.message ?? '', /the plan gives director "lvs1" no --exec-checks directory: unless its agent was started with one holding \/usr\/local\/bin\/check-db, every check fails/);
    // never a system directory as the fix: every program in it could then be run by a plan
    assert.equal(warning?.hint, 'put check-db (or a script that runs it) in a directory of check scripts only and name it there, e.g. /etc/lvsctl-checks/check-db, and set "agent": { "director": { "execChecks": "/etc/lvsctl-checks" } } (lvsctl bootstrap writes it); not /usr/local/bin, whose every program a plan could then run');
    const own = validatePlan(withExec('/srv/db-checks/check-db')).warnings.find((w) => w.pointer === '/services/0/healthCheck/exec/command');
    assert.match(own?.hint ?? '', /^set "agent": \{ "director": \{ "execChecks": "\/srv\/db-checks" \} \} \(lvsctl bootstrap writes it\), a directory of check scripts only$/);
    const outside = expectProblem(withExec('/usr/bin/true', { director: { execChecks: '/etc/lvsctl/checks' } }), '/services/0/healthCheck/exec/command', /is not inside/);
    assert.equal(outside.hint, 'put the command in /etc/lvsctl/checks, a directory of check scripts only');
  });

  it('refuses as execChecks a directory of the system\'s own programs (a plan could run bash from it, as root)', () => {
    for (const dir of ['/', '/usr/bin', '/usr/bin/', '/bin', '/usr/local/sbin', '/tmp']) {
      expectProblem(withExec('/etc/lvsctl/checks/db', { director: { execChecks: dir } }), '/agent/director/execChecks',
        /must be a directory of check scripts only: \/\S* holds programs that are not check scripts .*e\.g\. \/etc\/lvsctl-checks/);
    }
    expectProblem(withExec('/etc/lvsctl/checks/db', undefined, { execChecks: '/usr/sbin' }), '/hosts/lvs1/agentOptions/execChecks', /must be a directory of check scripts only/);
  });
});
