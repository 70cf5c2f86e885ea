// The agent's --exec-checks: a directory of check scripts only. A plan (any controller
// certificate the agent serves) may name any program in it, run as root by default.
import { strict as assert } from 'node:assert';
import { resolveAgentConfig } from '../../../agent/server/agent-config';

describe('the agent\'s --exec-checks', () => {
  const options = { role: 'director', stateDir: '/var/lib/lvsctl', iptables: 'auto', logLevel: 'info', insecure: true, listen: '127.0.0.1:7400' };

  it('refuses a directory of the system\'s own programs, naming why and the fix', () => {
    for (const dir of ['/', '/usr/bin', '/usr/bin/', '/bin', '/usr/local/bin', '/tmp', '/tmp/checks', '/etc', '/etc/init.d', '/usr/lib/x86_64-linux-gnu', '/usr/lib/nagios/plugins', '/run/user', '/boot', '/usr/games']) {
      assert.throws(() => resolveAgentConfig({ ...options, execChecks: dir }), (err: Error) => {
        assert.match(err.message, /^--exec-checks "[^"]+": \/\S* holds programs that are not check scripts \(a plan, that is any controller certificate the agent serves, could run any of them, as root by default\): use a directory of check scripts only, e\.g\. \/etc\/lvsctl-checks$/, dir);
        return true;
      });
    }
    assert.throws(() => resolveAgentConfig({ ...options, execChecks: 'checks' }), /^AgentConfigError: --exec-checks "checks": must be an absolute directory, e\.g\. \/etc\/lvsctl-checks$/);
  });

  it('takes a directory of its own', () => {
    for (const dir of ['/etc/lvsctl/checks', '/usr/local/lib/lvsctl-checks', '/usr/libexec/lvsctl/checks', '/srv/checks']) {
      assert.equal(resolveAgentConfig({ ...options, execChecks: dir }).execChecksDir, dir);
    }
  });
});
