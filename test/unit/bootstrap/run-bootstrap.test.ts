// runBootstrap with an ssh and agents in memory: at most --parallel hosts at once, a host that
// hangs ends at its own deadline (--host-deadline) while the others finish, and what each
// remote command received (the key on stdin, never in a command); and the command's duration
// flags, refused with a range and examples it would take.
import { strict as assert } from 'node:assert';
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initCertDir } from '../../../controller/certs/cert-dir';
import type { AgentConnector } from '../../../controller/client/agent-client';
import type { BootstrapShared } from '../../../controller/bootstrap/bootstrap-host';
import { bootstrapExitCode, runBootstrap } from '../../../controller/bootstrap/run-bootstrap';
import type { SshRunner } from '../../../controller/bootstrap/ssh';
import { runBootstrapCommand } from '../../../controller/cli/run-bootstrap';
import { CliError, EXIT } from '../../../controller/exit-codes';
import { durationMs } from '../../../lvs/duration';

/** Agents that answer Hello as realservers: all bootstrap asks. */
const realserverAgents: AgentConnector = (t) => ({
  hello: async () => ({ host: t.host, role: 'realserver', version: 'test', capabilities: [] }),
  apply: () => Promise.reject(new Error('no apply in bootstrap')),
  close: () => undefined,
});

/** What every host of a run shares, for the CA in caDir, with these bounds. */
function sharedOf(caDir: string, bounds: Pick<BootstrapShared, 'timeoutMs' | 'stopTimeoutMs'>): BootstrapShared {
  return {
    cluster: 'c', caDir, agent: Buffer.from('agent'), agentPath: '/usr/local/bin/lvsctl-agent',
    unitText: 'ExecStart=/usr/bin/env lvsctl-agent $LVSCTL_AGENT_ARGS\n', caCert: Buffer.from('ca'), allow: ['controller'],
    check: false, sudo: false, helloWithinMs: 1000, ...bounds,
  };
}

describe('runBootstrap (in memory)', function () {
  // a host's deadline of 6 s: issuing five certificates on a loaded machine takes seconds
  this.timeout(30_000);
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lvsctl-bootstrap-unit-'));
    await initCertDir(join(dir, 'ca'), new Date());
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('bounds the hosts in flight, ends a hanging host at its deadline, and the others go on', async () => {
    let inFlight = 0;
    let most = 0;
    const scripts: { host: string; script: string; stdin: string }[] = [];
    const ssh: SshRunner = {
      run: async (target, script, { stdin, signal }) => {
        inFlight++;
        most = Math.max(most, inFlight);
        try {
          scripts.push({ host: target.alias, script, stdin: stdin?.toString() ?? '' });
          if (target.alias === 'slow') {
            await new Promise((_, reject) => signal?.addEventListener('abort', () => reject(new Error('stopped: the host\'s deadline passed'))));
          }
          await new Promise((r) => setTimeout(r, 5));
          return { code: 0, stdout: script.includes('is-enabled') ? 'enabled disabled\nactive inactive\nuid 0\n' : '', stderr: '' };
        } finally {
          inFlight--;
        }
      },
    };
    const shared = sharedOf(join(dir, 'ca'), { timeoutMs: 5000 });
    const hosts = ['web1', 'web2', 'slow', 'web3', 'web4'].map((host, i) => ({ host, role: 'realserver' as const, address: `10.0.0.${i + 1}`, port: 7400, ssh: { alias: host } }));
    const outcomes = await runBootstrap({ hosts, shared, parallel: 2, hostDeadlineMs: 6000 }, {
      ssh, connector: realserverAgents, now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), progress: () => undefined,
    });
    assert.equal(most, 2);
    assert.deepEqual(outcomes.map((o) => [o.host, o.status]), [['web1', 'changed'], ['web2', 'changed'], ['slow', 'failed'], ['web3', 'changed'], ['web4', 'changed']], JSON.stringify(outcomes.map((o) => o.failure)));
    assert.deepEqual(outcomes[2].failure, { step: 'probe', reason: 'stopped: the host\'s deadline passed' });
    assert.equal(bootstrapExitCode(outcomes), 2);
    const keyCopy = scripts.find((s) => s.host === 'web1' && s.script.includes('tmp=/etc/lvsctl/web1.key.lvsctl-new'));
    assert.match(keyCopy!.stdin, /BEGIN PRIVATE KEY/);
    assert.ok(scripts.every((s) => !s.script.includes('PRIVATE KEY')), 'no key in a command');
    assert.deepEqual(scripts.filter((s) => s.host === 'web1' && s.script.startsWith('systemctl')).map((s) => s.script), ['systemctl daemon-reload', 'systemctl enable lvsctl-agent', 'systemctl start lvsctl-agent']);
  });
});

describe('runBootstrap: the command\'s --deadline and the host\'s', function () {
  this.timeout(30_000);
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lvsctl-bootstrap-deadline-'));
    await initCertDir(join(dir, 'ca'), new Date());
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('ends every host by --deadline: those not done fail naming it, not their own --host-deadline', async () => {
    const ssh: SshRunner = {
      run: async (_target, script, { signal }) => {
        await new Promise((resolve, reject) => {
          const timer = setTimeout(resolve, 400);
          signal?.addEventListener('abort', () => { clearTimeout(timer); reject(new Error('stopped')); });
        });
        return { code: 0, stdout: script.includes('is-enabled') ? 'enabled enabled\nactive active\nuid 0\n' : '', stderr: '' };
      },
    };
    const hosts = ['a', 'b', 'c'].map((host, i) => ({ host, role: 'realserver' as const, address: `10.0.2.${i + 1}`, port: 7400, ssh: { alias: host } }));
    const started = Date.now();
    const outcomes = await runBootstrap({ hosts, shared: sharedOf(join(dir, 'ca'), { timeoutMs: 5000 }), parallel: 1, hostDeadlineMs: 60_000, deadlineAt: started + 1500 }, {
      ssh, connector: realserverAgents, now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), progress: () => undefined,
    });
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
    assert.deepEqual(outcomes.map((o) => o.status), ['failed', 'failed', 'failed']);
    assert.match(outcomes[2].failure?.reason ?? '', /^the command's deadline \(--deadline\) passed/);
    // a host that starts after the deadline issues no certificate
    assert.equal(outcomes[2].certificate, undefined);
    assert.ok(!existsSync(join(dir, 'ca', 'c.crt')), 'a certificate was issued for a host past the deadline');
  });

  it('fails the host at its deadline with its Hello unanswered (an agent port that takes TCP and says nothing), not at --timeout', async () => {
    const ssh: SshRunner = {
      run: async (_target, script) => ({ code: 0, stdout: script.includes('is-enabled') ? 'enabled enabled\nactive active\nuid 0\n' : '', stderr: '' }),
    };
    // a Hello that ends only when its client is closed, as a call to a silent peer within a long --timeout
    const silentAgents: AgentConnector = () => {
      let cancel = (): void => undefined;
      return {
        hello: () => new Promise((_, reject) => { cancel = () => reject(new Error('Cancelled on client')); }),
        apply: () => Promise.reject(new Error('no apply in bootstrap')),
        close: () => cancel(),
      };
    };
    const hosts = [{ host: 'r1', role: 'realserver' as const, address: '10.0.3.1', port: 7400, ssh: { alias: 'r1' } }];
    const started = Date.now();
    const outcomes = await Promise.race([
      runBootstrap({ hosts, shared: sharedOf(join(dir, 'ca'), { timeoutMs: 60_000 }), parallel: 1, hostDeadlineMs: 1500 }, {
        ssh, connector: silentAgents, now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), progress: () => undefined,
      }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('still running 10 s after a host deadline of 1.5 s')), 10_000).unref()),
    ]);
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
    assert.equal(outcomes[0].failure?.step, 'hello');
    assert.match(outcomes[0].failure?.reason ?? '', /^no answer before the host's deadline \(--host-deadline\): its Hello was still unanswered( \(the service was started \d+ s ago; see journalctl -u lvsctl-agent on r1\))?$/);
  });
});

describe('runBootstrap: a restart that waits for an apply in flight', function () {
  this.timeout(30_000);
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lvsctl-bootstrap-restart-'));
    await initCertDir(join(dir, 'ca'), new Date());
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Hosts whose agent runs and whose files all differ (a new version): each is restarted; its restart takes restartMs. */
  async function bootstrapRestarting(restartMs: Record<string, number>, stopTimeoutMs: number) {
    const ssh: SshRunner = {
      // as ssh.ts does: no result within timeoutMs is a failure
      run: async (_target, script, { timeoutMs }) => {
        const ms = script === 'systemctl restart lvsctl-agent' ? restartMs[_target.alias] ?? 0 : 0;
        if (ms > timeoutMs) {
          await new Promise((r) => setTimeout(r, timeoutMs));
          throw new Error(`ssh gave no result within ${Math.round(timeoutMs / 1000)} s`);
        }
        await new Promise((r) => setTimeout(r, ms));
        return { code: 0, stdout: script.includes('is-enabled') ? 'enabled enabled\nactive active\nuid 0\n' : '', stderr: '' };
      },
    };
    const shared = sharedOf(join(dir, 'ca'), { timeoutMs: 1000, stopTimeoutMs });
    const hosts = Object.keys(restartMs).map((host, i) => ({ host, role: 'realserver' as const, address: `10.0.0.${i + 1}`, port: 7400, ssh: { alias: host } }));
    return runBootstrap({ hosts, shared, parallel: 2, hostDeadlineMs: 20_000 }, {
      ssh, connector: realserverAgents, now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), progress: () => undefined,
    });
  }

  it('a restart longer than --timeout, within the unit\'s stop timeout, is no failure; past both it fails naming the wait and where to look', async () => {
    const [busy] = await bootstrapRestarting({ busy: 2500 }, 2000);
    assert.equal(busy.status, 'changed', JSON.stringify(busy.failure));
    assert.ok(busy.steps.includes('systemctl restart'));
    const [stuck] = await bootstrapRestarting({ stuck: 4500 }, 2000);
    assert.equal(stuck.status, 'failed');
    assert.equal(stuck.failure?.step, 'systemctl restart');
    assert.match(stuck.failure?.reason ?? '', /^ssh gave no result within 3 s \(the agent stops only after the apply in flight, within the unit's stop timeout of 2 s; see systemctl status lvsctl-agent and journalctl -u lvsctl-agent on stuck\)$/);
  });

  it('restarts one agent at a time, and none after one whose restart failed: the others keep their old agent and say why', async () => {
    let restarting = 0;
    let most = 0;
    const restarted: string[] = [];
    const ssh: SshRunner = {
      run: async (target, script) => {
        if (script === 'systemctl restart lvsctl-agent') {
          restarting++;
          most = Math.max(most, restarting);
          try {
            await new Promise((r) => setTimeout(r, 50));
            restarted.push(target.alias);
            if (target.alias === 'bad') return { code: 1, stdout: '', stderr: 'Job for lvsctl-agent.service failed because the control process exited with error code.' };
          } finally {
            restarting--;
          }
        }
        return { code: 0, stdout: script.includes('is-enabled') ? 'enabled enabled\nactive active\nuid 0\n' : '', stderr: '' };
      },
    };
    const shared = sharedOf(join(dir, 'ca'), { timeoutMs: 5000, stopTimeoutMs: 5000 });
    const names = ['web1', 'web2', 'bad', 'web3', 'web4'];
    const hosts = names.map((host, i) => ({ host, role: 'realserver' as const, address: `10.0.0.${i + 1}`, port: 7400, ssh: { alias: host } }));
    // one host at a time before the gate too, so that the order of restarts is the plan's
    const outcomes = await runBootstrap({ hosts, shared, parallel: 1, hostDeadlineMs: 20_000 }, {
      ssh, connector: realserverAgents, now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), progress: () => undefined,
    });
    assert.equal(most, 1);
    assert.deepEqual(restarted, ['web1', 'web2', 'bad']);
    assert.deepEqual(outcomes.map((o) => [o.host, o.status]), [['web1', 'changed'], ['web2', 'changed'], ['bad', 'failed'], ['web3', 'failed'], ['web4', 'failed']]);
    assert.equal(outcomes[2].failure?.step, 'systemctl restart');
    assert.match(outcomes[3].failure?.reason ?? '', /^not restarted: the agent of bad failed after its restart \(step systemctl restart\), so bootstrap restarts no other; this host's new files are in place/);
    // its files were copied all the same
    assert.ok(outcomes[3].steps.some((step) => step.startsWith('copy agent')));
  });

  it('after starting an agent, waits until it presents the certificate bootstrap installed; one that never does fails naming both and what answers instead', async () => {
    const ssh: SshRunner = {
      run: async (_target, script) => ({ code: 0, stdout: script.includes('is-enabled') ? 'enabled disabled\nactive inactive\nuid 0\n' : '', stderr: '' }),
    };
    const stale = 'AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99';
    const hellos = new Map<string, number>();
    // "late" presents a stale certificate at its first two answers (its reload a moment behind), "never" at every one
    const connector: AgentConnector = (t) => ({
      hello: async () => {
        const n = (hellos.get(t.host) ?? 0) + 1;
        hellos.set(t.host, n);
        const installed = new X509Certificate(readFileSync(join(dir, 'ca', `${t.host}.crt`))).fingerprint256;
        const presented = t.host === 'never' || n <= 2 ? stale : installed;
        return { host: t.host, role: 'realserver', version: 'test', capabilities: [], certificateSha256: presented };
      },
      apply: () => Promise.reject(new Error('no apply in bootstrap')),
      close: () => undefined,
    });
    const shared = { ...sharedOf(join(dir, 'ca'), { timeoutMs: 5000 }), helloWithinMs: 1500 };
    const hosts = ['late', 'never'].map((host, i) => ({ host, role: 'realserver' as const, address: `10.0.2.${i + 1}`, port: 7400, ssh: { alias: host } }));
    const outcomes = await runBootstrap({ hosts, shared, parallel: 2, hostDeadlineMs: 20_000 }, {
      ssh, connector, now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), progress: () => undefined,
    });
    assert.equal(outcomes[0].status, 'changed', JSON.stringify(outcomes[0].failure));
    assert.equal(hellos.get('late'), 3);
    assert.equal(outcomes[1].status, 'failed');
    assert.equal(outcomes[1].failure?.step, 'hello');
    // just started from the files bootstrap copied, it would present their certificate: another process answers there
    assert.match(outcomes[1].failure?.reason ?? '', /^the agent at 10\.0\.2\.2:7400 presents the certificate SHA-256 AA:BB:CC:DD:EE:FF:00:11…, not \/etc\/lvsctl\/never\.crt \(SHA-256 [0-9A-F:]{23}…\), though the service was just started with it: another process answers on port 7400 there \(an agent started by hand, or one that did not stop\): `ss -ltnp 'sport = :7400'` on never shows which$/);
  });

  it('restarts the directors after every realserver, whichever reaches its restart first, and recaps in the plan\'s order', async () => {
    const restarted: string[] = [];
    const ssh: SshRunner = {
      run: async (target, script) => {
        // the realservers' copies are slow: the director is ready to restart long before them
        if (script.includes('lvsctl-new') && target.alias !== 'lvs9') await new Promise((r) => setTimeout(r, 30));
        if (script === 'systemctl restart lvsctl-agent') restarted.push(target.alias);
        return { code: 0, stdout: script.includes('is-enabled') ? 'enabled enabled\nactive active\nuid 0\n' : '', stderr: '' };
      },
    };
    const byRole: AgentConnector = (t) => ({
      hello: async () => ({ host: t.host, role: t.host.startsWith('lvs') ? 'director' : 'realserver', version: 'test', capabilities: [] }),
      apply: () => Promise.reject(new Error('no apply in bootstrap')),
      close: () => undefined,
    });
    const shared = sharedOf(join(dir, 'ca'), { timeoutMs: 5000, stopTimeoutMs: 5000 });
    const hosts = [
      { host: 'lvs9', role: 'director' as const, address: '10.0.3.1', port: 7400, ssh: { alias: 'lvs9' } },
      { host: 'web8', role: 'realserver' as const, address: '10.0.3.11', port: 7400, ssh: { alias: 'web8' } },
      { host: 'web9', role: 'realserver' as const, address: '10.0.3.12', port: 7400, ssh: { alias: 'web9' } },
    ];
    // --parallel 1 too: the director never holds the one place the realservers need
    for (const parallel of [3, 1]) {
      restarted.length = 0;
      const outcomes = await runBootstrap({ hosts, shared, parallel, hostDeadlineMs: 20_000 }, {
        ssh, connector: byRole, now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), progress: () => undefined,
      });
      assert.deepEqual(outcomes.map((o) => [o.host, o.status]), [['lvs9', 'changed'], ['web8', 'changed'], ['web9', 'changed']], JSON.stringify(outcomes.map((o) => o.failure)));
      assert.equal(restarted.length, 3);
      assert.equal(restarted[2], 'lvs9', `restart order with --parallel ${parallel}: ${restarted.join(', ')}`);
    }
  });

  it('with --parallel, copies to many hosts at once but still restarts one at a time', async () => {
    let restarting = 0;
    let most = 0;
    let copying = 0;
    let mostCopying = 0;
    const ssh: SshRunner = {
      run: async (_target, script) => {
        if (script.includes('lvsctl-new')) {
          copying++;
          mostCopying = Math.max(mostCopying, copying);
          await new Promise((r) => setTimeout(r, 20));
          copying--;
        }
        if (script === 'systemctl restart lvsctl-agent') {
          restarting++;
          most = Math.max(most, restarting);
          await new Promise((r) => setTimeout(r, 50));
          restarting--;
        }
        return { code: 0, stdout: script.includes('is-enabled') ? 'enabled enabled\nactive active\nuid 0\n' : '', stderr: '' };
      },
    };
    const shared = sharedOf(join(dir, 'ca'), { timeoutMs: 5000, stopTimeoutMs: 5000 });
    const hosts = ['a', 'b', 'c', 'd'].map((host, i) => ({ host, role: 'realserver' as const, address: `10.0.1.${i + 1}`, port: 7400, ssh: { alias: host } }));
    const outcomes = await runBootstrap({ hosts, shared, parallel: 4, hostDeadlineMs: 20_000 }, {
      ssh, connector: realserverAgents, now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), progress: () => undefined,
    });
    assert.deepEqual(outcomes.map((o) => o.status), ['changed', 'changed', 'changed', 'changed']);
    assert.equal(most, 1);
    assert.ok(mostCopying > 1, `copies never overlapped (at most ${mostCopying} at once)`);
  });
});

describe('runBootstrap: a host that misbehaves after ssh got in', function () {
  this.timeout(30_000);
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lvsctl-bootstrap-hostile-'));
    await initCertDir(join(dir, 'ca'), new Date());
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints its stderr without its terminal escapes, and a flood of output is a failure, not "unreachable"', async () => {
    const ssh: SshRunner = {
      run: async (target) => {
        if (target.alias === 'flood') {
          // what execFile gives when the remote prints past maxBuffer (ssh.ts passes it on)
          throw Object.assign(new RangeError('stdout maxBuffer length exceeded'), { code: 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER' });
        }
        return { code: 1, stdout: '', stderr: '\u001b]0;OWNED\u0007\u001b[2J\u001b[31mfake: all good\u001b[0m\n' };
      },
    };
    const hosts = ['escape', 'flood'].map((host, i) => ({ host, role: 'realserver' as const, address: `10.0.0.${i + 1}`, port: 7400, ssh: { alias: host } }));
    const outcomes = await runBootstrap({ hosts, shared: sharedOf(join(dir, 'ca'), { timeoutMs: 1000 }), parallel: 2, hostDeadlineMs: 20_000 }, {
      ssh, connector: realserverAgents, now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), progress: () => undefined,
    });
    assert.deepEqual(outcomes.map((o) => [o.host, o.status]), [['escape', 'failed'], ['flood', 'failed']]);
    assert.equal(outcomes[0].failure?.reason, '?]0;OWNED??[2J?[31mfake: all good?[0m (exit code 1)');
    assert.match(outcomes[1].failure?.reason ?? '', /^the host printed more than 4 MiB \(a login script that prints endlessly\? see ~\/\.bashrc or \/etc\/profile on flood\)$/);
  });
});

describe('lvsctl bootstrap: its duration flags', function () {
  const io = { stdout: { write: () => true }, stderr: { write: () => true }, env: {} };

  for (const flags of [{ timeout: '1h' }, { timeout: '30s', caDir: '/nonexistent', hostDeadline: '1h' }]) {
    const flag = 'hostDeadline' in flags ? '--host-deadline' : '--timeout';
    it(`refuses ${flag} "1h" with the range, and only examples it would take`, async () => {
      await assert.rejects(runBootstrapCommand('plan.json', flags, io), (err: unknown) => {
        assert.ok(err instanceof CliError);
        assert.equal(err.exitCode, EXIT.invalid);
        assert.match(err.message, new RegExp(`^${flag} "1h": must be a duration from 1ms to 1440m`));
        const examples = [...err.message.matchAll(/"(\d+[a-z]+)"/g)].map((m) => m[1]);
        assert.ok(examples.length > 1, err.message);
        for (const example of examples.slice(1)) assert.notEqual(durationMs(example), undefined, `the message suggests ${example}, which is not a duration`);
        return true;
      });
    });
  }
});

describe('lvsctl bootstrap: the controller\'s certificate', () => {
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lvsctl-bootstrap-tls-'));
    await initCertDir(join(dir, 'ca'), new Date());
    writeFileSync(join(dir, 'lvsctl-agent'), '#!/bin/sh\n');
    chmodSync(join(dir, 'lvsctl-agent'), 0o755);
    writeFileSync(join(dir, 'plan.json'), JSON.stringify({
      apiVersion: 'lvsctl/v1', cluster: 'boot',
      hosts: { lvs1: { role: 'director', address: '10.77.0.9' }, web1: { role: 'realserver', address: '10.77.0.1' } },
      services: [{ name: 'web', protocol: 'tcp', vip: '10.77.0.100', port: 80, scheduler: 'rr', forwarding: 'tun', realservers: [{ host: 'web1' }] }],
    }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('without --cert and --key says how to make them, and offers no --insecure (bootstrap has none)', async () => {
    const io = { stdout: { write: () => true }, stderr: { write: () => true }, env: {} };
    await assert.rejects(runBootstrapCommand(join(dir, 'plan.json'), { caDir: join(dir, 'ca'), agentBinary: join(dir, 'lvsctl-agent'), timeout: '10s' }, io), (err: unknown) => {
      assert.ok(err instanceof CliError, String(err));
      assert.equal(err.exitCode, EXIT.invalid);
      assert.match(err.message, /missing --cert \(or LVSCTL_CERT\), --key \(or LVSCTL_KEY\)\. .*`lvsctl certs issue DIR controller` for --cert DIR\/controller\.crt --key DIR\/controller\.key/);
      assert.doesNotMatch(err.message, /--insecure/);
      return true;
    });
  });

  it('reads --limit and --parallel as rollout does: no name at all, an unknown name and 1e1 are refused, naming the hosts', async () => {
    const io = { stdout: { write: () => true }, stderr: { write: () => true }, env: {} };
    const base = { caDir: join(dir, 'ca'), agentBinary: join(dir, 'lvsctl-agent'), check: true, timeout: '10s' };
    const refusal = (flags: Record<string, unknown>, message: RegExp) => assert.rejects(runBootstrapCommand(join(dir, 'plan.json'), { ...base, ...flags }, io), (err: unknown) => {
      assert.ok(err instanceof CliError, String(err));
      assert.equal(err.exitCode, EXIT.invalid);
      assert.match(err.message, message);
      return true;
    });
    await refusal({ limit: [''] }, /^--limit needs host names, e\.g\. --limit web1,web2; known hosts: lvs1, web1$/);
    await refusal({ limit: ['web9'] }, /^--limit: web9 is not a host of .*plan\.json; known hosts: lvs1, web1$/);
    await refusal({ parallel: '1e1' }, /^--parallel "1e1": must be a whole number from 1 to \d+, e\.g\. --parallel 5$/);
    let stdout = '';
    const jsonIo = { ...io, stdout: { write: (t: string) => { stdout += t; return true; } } };
    await assert.rejects(runBootstrapCommand(join(dir, 'plan.json'), { ...base, limit: ['web9'], json: true }, jsonIo), CliError);
    assert.match((JSON.parse(stdout) as { problems: { message: string }[] }).problems[0].message, /^--limit: web9 is not a host of/);
  });

  it('refuses as --agent-binary the tsc-built dist/agent/main.js, which needs the rest of dist/ beside it', async () => {
    const io = { stdout: { write: () => true }, stderr: { write: () => true }, env: {} };
    const script = join(__dirname, '..', '..', '..', 'agent', 'main.js');
    chmodSync(script, 0o755);
    await assert.rejects(runBootstrapCommand(join(dir, 'plan.json'), { caDir: join(dir, 'ca'), agentBinary: script, check: true, timeout: '10s' }, io), (err: unknown) => {
      assert.ok(err instanceof CliError, String(err));
      assert.match(err.message, /^--agent-binary .*main\.js: a script that loads files beside it \(require\("\.\.\/lvs\/dist-bundle"\)\), which the host will not have: give the single-file lvsctl-agent/);
      return true;
    });
  });

  it('refuses --insecure, saying that bootstrap installs agents with mutual TLS only', async () => {
    const io = { stdout: { write: () => true }, stderr: { write: () => true }, env: {} };
    await assert.rejects(runBootstrapCommand(join(dir, 'plan.json'), { caDir: join(dir, 'ca'), insecure: true, timeout: '10s' }, io), (err: unknown) => {
      assert.ok(err instanceof CliError, String(err));
      assert.equal(err.exitCode, EXIT.invalid);
      assert.match(err.message, /^bootstrap installs agents with mutual TLS only .*--insecure is for agents started by hand in a lab; drop it$/);
      return true;
    });
  });

  it('with --json, an invalid plan is one JSON document on stdout, as the other commands print it', async () => {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ apiVersion: 'lvsctl/v1', cluster: 'boot', hosts: {}, services: [] }));
    let stdout = '';
    const io = { stdout: { write: (t: string) => { stdout += t; return true; } }, stderr: { write: () => true }, env: {} };
    const code = await runBootstrapCommand(join(dir, 'bad.json'), { caDir: join(dir, 'ca'), json: true, timeout: '10s' }, io);
    assert.equal(code, EXIT.invalid);
    const document = JSON.parse(stdout) as { command: string; problems: unknown[]; exitCode: number };
    assert.equal(document.command, 'bootstrap');
    assert.equal(document.exitCode, EXIT.invalid);
    assert.ok(document.problems.length > 0);
  });
});
