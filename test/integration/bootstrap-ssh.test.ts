// lvsctl bootstrap against a real OpenSSH server: sshd in namespaces of its own on 10.77.0.1
// (support/sshd/), key authentication with a throwaway key, the hosts resolved through an ssh
// config given as --ssh-config. What the target lacks, and is simulated: systemd. Its
// `systemctl` is a script that records the calls and starts the unit's ExecStart, so the
// Hello at the end reaches the agent bootstrap installed, over mutual TLS, in that namespace.
// Needs root, unshare and openssh-server: without them the test is skipped, loudly; with
// CI=true it fails instead.
import { strict as assert } from 'node:assert';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initCertDir, issueIntoCertDir } from '../../controller/certs/cert-dir';
import { missingCapability, SshNamespace, type LvsctlResult } from './support/sshd/ssh-namespace';

const ADDRESS = '10.77.0.1';
// dist/test/integration → the built agent
const AGENT_MAIN = join(__dirname, '..', '..', 'agent', 'main.js');

function shown(r: LvsctlResult): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}

describe('lvsctl bootstrap over a real sshd (namespace)', function () {
  this.timeout(120_000);
  let ns: SshNamespace | undefined;
  let local: string;
  let args: (...extra: string[]) => string[];

  before(async function () {
    const missing = missingCapability();
    if (missing) {
      if (process.env.CI === 'true') throw new Error(`bootstrap test cannot run: ${missing} (CI=true: a missing capability fails)`);
      console.warn(`\n    SKIPPED: lvsctl bootstrap over a real sshd: ${missing}\n`);
      this.skip();
    }
    local = mkdtempSync(join(tmpdir(), 'lvsctl-bootstrap-local-'));
    const caDir = join(local, 'ca');
    await initCertDir(caDir, new Date());
    await issueIntoCertDir(caDir, 'controller', { ips: [], dnsNames: [] }, new Date());
    // the "single-file agent" here is a launcher of the built agent: what runs is the file bootstrap copied
    const agent = join(local, 'lvsctl-agent');
    writeFileSync(agent, `#!/bin/sh\nexec ${process.execPath} ${AGENT_MAIN} "$@"\n`);
    chmodSync(agent, 0o755);
    writeFileSync(join(local, 'plan.json'), JSON.stringify({
      apiVersion: 'lvsctl/v1',
      cluster: 'boot',
      hosts: {
        lvs1: { role: 'director', address: '10.77.0.9' },
        web1: { role: 'realserver', address: ADDRESS },
        web2: { role: 'realserver', address: '10.77.0.2' },
      },
      services: [{ name: 'web', protocol: 'tcp', vip: '10.77.0.100', port: 80, scheduler: 'rr', forwarding: 'tun', realservers: [{ host: 'web1' }, { host: 'web2' }] }],
    }));
    ns = await SshNamespace.start(ADDRESS);
    const sshConfig = ns.sshConfig({
      // web1: no HostName, so ssh is given the plan's address
      web1: { user: 'root' },
      // web2: the same sshd, as a login that is not root (uid 4242): its probe fails
      web2: { user: 'lvsctltest', hostName: ADDRESS },
      // lvs1: an address of the namespace where nothing listens: unreachable
      lvs1: { user: 'root', hostName: '10.77.0.9' },
    });
    args = (...extra) => [
      'bootstrap', join(local, 'plan.json'), '--ca-dir', caDir, '--agent-binary', agent, '--ssh-config', sshConfig,
      '--cert', join(caDir, 'controller.crt'), '--key', join(caDir, 'controller.key'), '--timeout', '10s', ...extra,
    ];
  });

  after(async () => {
    await ns?.stop();
    if (local) rmSync(local, { recursive: true, force: true });
  });

  it('--check says what it would do and changes nothing (no certificate issued, no file copied)', async () => {
    const r = await ns!.lvsctl(args('--limit', 'web1', '--check'));
    assert.equal(r.code, 0, shown(r));
    assert.match(r.stdout, /web1 {2}would copy agent \/usr\/bin\/lvsctl-agent \(missing\)/, shown(r));
    assert.match(r.stdout, /web1 {2}would systemctl enable/);
    assert.match(r.stdout, /check: 1 host\(s\) would change.*nothing was changed/);
    assert.equal(existsSync(join(local, 'ca', 'web1.crt')), false, 'no certificate issued by --check');
    // the CA dir has no crl.pem yet: the check shows the copy and --crl the run will add, and writes none
    assert.match(r.stdout, /web1 {2}would copy crl \/etc\/lvsctl\/crl\.pem \(missing\)/, shown(r));
    assert.match(r.stderr, /would write .*\/ca\/crl\.pem: the agents would get it as --crl/, shown(r));
    assert.equal(existsSync(join(local, 'ca', 'crl.pem')), false, 'no crl.pem written by --check');
    assert.equal(existsSync(ns!.written('usr/bin/lvsctl-agent')), false);
    assert.deepEqual(ns!.systemctlCalls().filter((c) => !c.startsWith('is-')), []);
  });

  it('installs the agent, its certificate and key (0600), the unit and its defaults; enables and starts it; Hello answers', async () => {
    const r = await ns!.lvsctl(args('--limit', 'web1'));
    assert.equal(r.code, 0, `${shown(r)}\n--- agent log\n${ns!.agentLog()}`);
    assert.match(r.stdout, /web1 {2}issued .*web1\.crt for 10\.77\.0\.1/);
    assert.match(r.stdout, /web1 {2}agent answered: realserver /);
    assert.match(r.stdout, /web1 +changed +\d+ step\(s\)/);
    assert.doesNotMatch(r.stdout + r.stderr, /PRIVATE KEY/);
    const key = ns!.written('etc/lvsctl/web1.key');
    assert.equal(statSync(key).mode & 0o777, 0o600);
    assert.deepEqual(readFileSync(key), readFileSync(join(local, 'ca', 'web1.key')));
    assert.deepEqual(readFileSync(ns!.written('usr/bin/lvsctl-agent')), readFileSync(join(local, 'lvsctl-agent')));
    const defaults = readFileSync(ns!.written('etc/default/lvsctl-agent'), 'utf8');
    assert.match(defaults, /LVSCTL_AGENT_ARGS="--role realserver --listen 0\.0\.0\.0:7400 --ca \/etc\/lvsctl\/ca\.crt --cert \/etc\/lvsctl\/web1\.crt --key \/etc\/lvsctl\/web1\.key --crl \/etc\/lvsctl\/crl\.pem --allow controller"/);
    // the CA dir had no crl.pem (made before certs init wrote one): bootstrap wrote an empty one, so a later revoke reaches the agent
    assert.match(r.stderr, /wrote .*\/ca\/crl\.pem \(0 certificate\(s\) revoked\): the agents get it as --crl/);
    assert.deepEqual(readFileSync(ns!.written('etc/lvsctl/crl.pem')), readFileSync(join(local, 'ca', 'crl.pem')));
    assert.ok(existsSync(ns!.written('etc/systemd/system/lvsctl-agent.service')));
    const changes = ns!.systemctlCalls().filter((c) => !c.startsWith('is-'));
    assert.deepEqual(changes, ['daemon-reload', 'enable lvsctl-agent', 'start lvsctl-agent']);
  });

  it('a second run changes nothing and says so', async () => {
    const before = ns!.systemctlCalls().length;
    const r = await ns!.lvsctl(args('--limit', 'web1'));
    assert.equal(r.code, 0, shown(r));
    assert.match(r.stdout, /web1 +ok +nothing to change; agent answered \(realserver /);
    assert.match(r.stdout, /1 host\(s\) unchanged: nothing to do/);
    assert.deepEqual(ns!.systemctlCalls().slice(before).filter((c) => !c.startsWith('is-')), []);
  });

  it('a changed file on the host is copied again and the agent restarted', async () => {
    writeFileSync(ns!.written('usr/bin/lvsctl-agent'), '#!/bin/sh\necho tampered\n');
    const before = ns!.systemctlCalls().length;
    const r = await ns!.lvsctl(args('--limit', 'web1'));
    assert.equal(r.code, 0, shown(r));
    assert.match(r.stdout, /web1 {2}copy agent \/usr\/bin\/lvsctl-agent \(checksum differs\)/);
    assert.deepEqual(ns!.systemctlCalls().slice(before).filter((c) => !c.startsWith('is-')), ['restart lvsctl-agent']);
    assert.match(r.stdout, /web1 +changed +2 step\(s\): copy agent .*systemctl restart; agent answered/);
  });

  it('a changed TLS file only is copied again and the agent reloads it (SIGHUP), not restarted', async () => {
    const cert = ns!.written('etc/lvsctl/web1.crt');
    writeFileSync(cert, `${readFileSync(cert, 'utf8')}\n`);
    const pid = ns!.agentPid();
    const before = ns!.systemctlCalls().length;
    const r = await ns!.lvsctl(args('--limit', 'web1'));
    assert.equal(r.code, 0, shown(r));
    assert.match(r.stdout, /web1 {2}copy certificate \/etc\/lvsctl\/web1\.crt \(checksum differs\)/);
    assert.deepEqual(ns!.systemctlCalls().slice(before).filter((c) => !c.startsWith('is-')), ['reload lvsctl-agent']);
    assert.match(r.stdout, /web1 +changed +2 step\(s\): copy certificate .*systemctl reload; agent answered/);
    assert.equal(ns!.agentPid(), pid, 'the same agent process');
    for (let waited = 0; !/certificates reloaded/.test(ns!.agentLog()); waited += 100) {
      assert.ok(waited < 5000, `the agent logged no reload:\n${ns!.agentLog()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  it('an agent that did not load its new certificate is told by the one it presents: bootstrap fails naming it, and the next run loads it', async function () {
    // the hello waits 20 s for the new certificate before it gives up
    this.timeout(180_000);
    // a new certificate for web1: the old one removed from the CA directory (docs/security.md, renewing)
    const old = readFileSync(join(local, 'ca', 'web1.crt'));
    rmSync(join(local, 'ca', 'web1.crt'));
    rmSync(join(local, 'ca', 'web1.key'));
    ns!.ignoreReloads(true);
    const r = await ns!.lvsctl(args('--limit', 'web1'));
    assert.equal(r.code, 2, shown(r));
    assert.notDeepEqual(readFileSync(ns!.written('etc/lvsctl/web1.crt')), old, 'the new certificate was copied');
    assert.match(r.stdout, /web1 +failed +step hello: the agent at 10\.77\.0\.1:7400 presents the certificate SHA-256 [0-9A-F:]{23}…, not \/etc\/lvsctl\/web1\.crt \(SHA-256 [0-9A-F:]{23}…\) 2\d s after it was told to load it: .*journalctl -u lvsctl-agent on web1; .*systemctl restart lvsctl-agent/, shown(r));
    // its files are right now: --check asks the agent and says it would load them, changing nothing
    ns!.ignoreReloads(false);
    const checkedBefore = ns!.systemctlCalls().length;
    const check = await ns!.lvsctl(args('--limit', 'web1', '--check'));
    assert.equal(check.code, 0, shown(check));
    assert.match(check.stdout, /web1 +would change +1 step\(s\): systemctl reload \(the agent presented another certificate\)/, shown(check));
    assert.deepEqual(ns!.systemctlCalls().slice(checkedBefore).filter((c) => !c.startsWith('is-')), []);
    // the next run finds the agent serving the old certificate and loads the new one
    const before = ns!.systemctlCalls().length;
    const again = await ns!.lvsctl(args('--limit', 'web1'));
    assert.equal(again.code, 0, shown(again));
    assert.match(again.stdout, /web1 +changed +1 step\(s\): systemctl reload \(the agent presented another certificate\); agent answered/, shown(again));
    assert.deepEqual(ns!.systemctlCalls().slice(before).filter((c) => !c.startsWith('is-')), ['reload lvsctl-agent']);
    const third = await ns!.lvsctl(args('--limit', 'web1'));
    assert.match(third.stdout, /web1 +ok +nothing to change; agent answered/, shown(third));
  });

  it('writes the plan\'s agent options (the role\'s, the host\'s over them) and restarts the agent, which starts with them', async () => {
    const plan = JSON.parse(readFileSync(join(local, 'plan.json'), 'utf8')) as { agent?: unknown; hosts: Record<string, Record<string, unknown>> };
    plan.agent = { realserver: { selfCheckInterval: '30s', logLevel: 'debug', optimizingCompiler: 'on' } };
    plan.hosts.web1.agentOptions = { optimizingCompiler: 'off' };
    const withOptions = join(local, 'plan-options.json');
    writeFileSync(withOptions, JSON.stringify(plan));
    const before = ns!.systemctlCalls().length;
    const r = await ns!.lvsctl(args('--limit', 'web1').map((a) => (a === join(local, 'plan.json') ? withOptions : a)));
    assert.equal(r.code, 0, `${shown(r)}\n--- agent log\n${ns!.agentLog()}`);
    const defaults = readFileSync(ns!.written('etc/default/lvsctl-agent'), 'utf8');
    assert.match(defaults, /--allow controller --self-check-interval 30s --optimizing-compiler off --log-level debug"/);
    assert.deepEqual(ns!.systemctlCalls().slice(before).filter((c) => !c.startsWith('is-')), ['restart lvsctl-agent']);
    assert.match(r.stdout, /web1 +changed +\d+ step\(s\): copy defaults .*systemctl restart; agent answered \(realserver /);
    assert.match(ns!.agentLog(), /"optimizingCompiler":"off \(--optimizing-compiler off\)"/);
    // the options taken out of the plan: the next bootstrap takes them off the host too
    const back = await ns!.lvsctl(args('--limit', 'web1'));
    assert.equal(back.code, 0, shown(back));
    assert.match(readFileSync(ns!.written('etc/default/lvsctl-agent'), 'utf8'), /--allow controller"/);
  });

  it('a host where a step fails names the step and why, an unreachable one too, and the others go on (exit 2)', async () => {
    const r = await ns!.lvsctl(args());
    assert.equal(r.code, 2, shown(r));
    assert.match(r.stdout, /web1 +ok +nothing to change/);
    assert.match(r.stdout, /web2 +failed +step probe: logged in as uid 4242; .*log in as root .* or pass --sudo/, shown(r));
    assert.match(r.stdout, /lvs1 +unreachable +step probe: .*(refused|No route)/i, shown(r));
    assert.match(r.stdout, /0 host\(s\) changed, 1 unchanged, 1 failed, 1 unreachable/);
  });
});
