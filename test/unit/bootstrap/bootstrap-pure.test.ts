// The pure parts of lvsctl bootstrap: shell quoting (checked by a real sh), the probe's
// parsing, the steps from what a host holds, the agent's path from the unit, the defaults file.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { planHostSteps, stepDetail, unitReloads } from '../../../controller/bootstrap/host-steps';
import { agentPathFromUnit, defaultsText, hostFiles, stopTimeoutMsFromUnit, type HostFilesInput } from '../../../controller/bootstrap/remote-files';
import { readFileSync } from 'node:fs';
import { parseProbe, probeScript, shellCommand, shellQuote } from '../../../controller/bootstrap/remote-shell';
import { sshArgs } from '../../../controller/bootstrap/ssh';
import { recapLines, bootstrapExitCode } from '../../../controller/bootstrap/run-bootstrap';

const input: HostFilesInput = {
  host: 'web1', role: 'realserver', address: '10.0.0.11', port: 7400, cluster: 'shop',
  agent: Buffer.from('agent'), unitText: 'ExecStart=/usr/bin/env lvsctl-agent $LVSCTL_AGENT_ARGS\n',
  caCert: Buffer.from('ca'), hostCert: Buffer.from('cert'), hostKey: Buffer.from('key'), allow: ['controller'],
};

describe('bootstrap (pure)', () => {
  it("reads how long systemd lets the agent take to stop from the unit: the shipped unit's 300 s, spans, TimeoutSec, systemd's 90 s, infinity", () => {
    assert.equal(stopTimeoutMsFromUnit(readFileSync('packaging/lvsctl-agent.service', 'utf8')), 300_000);
    assert.equal(stopTimeoutMsFromUnit('[Service]\nTimeoutSec=1min 30s\n'), 90_000);
    assert.equal(stopTimeoutMsFromUnit('[Service]\nTimeoutSec=20\nTimeoutStopSec=2h\n'), 7_200_000);
    assert.equal(stopTimeoutMsFromUnit('[Service]\nTimeoutStopSec=500ms\n'), 500);
    assert.equal(stopTimeoutMsFromUnit('[Service]\nExecStart=/usr/bin/lvsctl-agent\n'), 90_000);
    assert.equal(stopTimeoutMsFromUnit('[Service]\nTimeoutStopSec=infinity\n'), undefined);
    assert.throws(() => stopTimeoutMsFromUnit('TimeoutStopSec=soon\n'), /TimeoutStopSec=soon is not a time span lvsctl reads \(such as 300, 5min or 1min 30s\)/);
    assert.throws(() => stopTimeoutMsFromUnit('TimeoutStopSec=5fortnights\n'), /"fortnights" is not a unit lvsctl reads/);
  });

  it('quotes every word so that sh gives it back unchanged', () => {
    const words = ['plain', "it's", 'a b', '$HOME', '`id`', 'x;y', '"q"', '', 'back\\slash', 'new\nline'];
    const out = execFileSync('sh', ['-c', `for w in ${words.map(shellQuote).join(' ')}; do printf '[%s]' "$w"; done`], { encoding: 'utf8' });
    assert.equal(out, words.map((w) => `[${w}]`).join(''));
    assert.equal(shellCommand(['systemctl', 'enable', 'lvsctl-agent']), 'systemctl enable lvsctl-agent');
  });

  it('parses what the probe prints, and the probe runs in sh', () => {
    const probe = parseProbe([
      'file 600 ' + 'a'.repeat(64) + ' /etc/lvsctl/web1.key',
      'missing - - /usr/local/bin/lvsctl-agent',
      'tool systemctl',
      'enabled disabled',
      'active inactive',
      'uid 0',
    ].join('\n'));
    assert.deepEqual([...probe.files], [['/etc/lvsctl/web1.key', { mode: '600', sha256: 'a'.repeat(64) }]]);
    assert.deepEqual(probe.missingTools, ['systemctl']);
    assert.equal(probe.enabled, 'disabled');
    assert.equal(probe.uid, 0);
    const real = parseProbe(execFileSync('sh', ['-c', probeScript(['/etc/hostname', '/nonexistent/x'])], { encoding: 'utf8' }));
    assert.ok(real.files.has('/etc/hostname'));
    assert.ok(!real.files.has('/nonexistent/x'));
    assert.equal(real.uid, process.getuid?.());
    // a login shell's own lines before the probe (a .bashrc) are not read as the probe's
    const noisy = parseProbe(execFileSync('sh', ['-c', `echo 'toolchain gcc-12 loaded'; echo 'uid 12345'; ${probeScript(['/etc/hostname'])}`], { encoding: 'utf8' }));
    assert.deepEqual(noisy.missingTools, []);
    assert.equal(noisy.uid, process.getuid?.());
  });

  it('plans only what differs: a second run plans nothing', () => {
    const files = hostFiles(input, '/usr/local/bin/lvsctl-agent');
    const empty = parseProbe('enabled disabled\nactive inactive\nuid 0');
    const first = planHostSteps(files, empty, { reloads: true });
    assert.deepEqual(first.map(stepDetail), [
      'copy agent /usr/local/bin/lvsctl-agent (missing)', 'copy ca /etc/lvsctl/ca.crt (missing)',
      'copy certificate /etc/lvsctl/web1.crt (missing)', 'copy key /etc/lvsctl/web1.key (missing)',
      'copy defaults /etc/default/lvsctl-agent (missing)', 'copy unit /etc/systemd/system/lvsctl-agent.service (missing)',
      'systemctl daemon-reload', 'systemctl enable', 'systemctl start',
    ]);
    const all = parseProbe([...files.map((f) => `file ${f.mode} ${f.sha256} ${f.path}`), 'enabled enabled', 'active active', 'uid 0'].join('\n'));
    assert.deepEqual(planHostSteps(files, all, { reloads: true }), []);
    const keyMode = parseProbe([...files.map((f) => `file ${f.label === 'key' ? '644' : f.mode} ${f.sha256} ${f.path}`), 'enabled enabled', 'active active'].join('\n'));
    assert.deepEqual(planHostSteps(files, keyMode, { reloads: true }).map(stepDetail), ['copy key /etc/lvsctl/web1.key (mode to 600)', 'systemctl reload']);
  });

  it('reloads a running agent whose only changed files are its TLS files, and restarts it for anything else or a unit without ExecReload', () => {
    const files = hostFiles(input, '/usr/local/bin/lvsctl-agent');
    const probeWith = (changed: (label: string) => boolean) =>
      parseProbe([...files.map((f) => `file ${f.mode} ${changed(f.label) ? 'f'.repeat(64) : f.sha256} ${f.path}`), 'enabled enabled', 'active active', 'uid 0'].join('\n'));
    const tlsOnly = probeWith((label) => label === 'certificate' || label === 'key' || label === 'ca');
    assert.deepEqual(planHostSteps(files, tlsOnly, { reloads: true }).map(stepDetail).slice(-1), ['systemctl reload']);
    assert.deepEqual(planHostSteps(files, tlsOnly, { reloads: false }).map(stepDetail).slice(-1), ['systemctl restart']);
    const newAgent = probeWith((label) => label === 'agent' || label === 'certificate');
    assert.deepEqual(planHostSteps(files, newAgent, { reloads: true }).map(stepDetail).slice(-1), ['systemctl restart']);
    const newOptions = probeWith((label) => label === 'defaults');
    assert.deepEqual(planHostSteps(files, newOptions, { reloads: true }).map(stepDetail).slice(-1), ['systemctl restart']);
    assert.equal(unitReloads(readFileSync('packaging/lvsctl-agent.service', 'utf8')), true);
    assert.equal(unitReloads('[Service]\nExecStart=/usr/bin/lvsctl-agent\n#ExecReload=/bin/kill -HUP $MAINPID\n'), false);
  });

  it('finds where the unit starts the agent', () => {
    assert.equal(agentPathFromUnit('[Service]\nExecStart=/usr/bin/env lvsctl-agent $LVSCTL_AGENT_ARGS'), '/usr/local/bin/lvsctl-agent');
    assert.equal(agentPathFromUnit('ExecStart=/usr/bin/lvsctl-agent $LVSCTL_AGENT_ARGS --state-dir /var/lib/lvsctl'), '/usr/bin/lvsctl-agent');
    assert.throws(() => agentPathFromUnit('ExecStart=/bin/true'), /runs \/bin\/true, not lvsctl-agent/);
    assert.throws(() => agentPathFromUnit('[Unit]'), /no ExecStart/);
  });

  it('writes the agent\'s arguments for the unit: role, port, files, --crl when there is one, --allow', () => {
    assert.match(defaultsText(input), /^LVSCTL_AGENT_ARGS="--role realserver --listen 0\.0\.0\.0:7400 --ca \/etc\/lvsctl\/ca\.crt --cert \/etc\/lvsctl\/web1\.crt --key \/etc\/lvsctl\/web1\.key --allow controller"$/m);
    assert.match(defaultsText({ ...input, crl: Buffer.from('crl'), address: 'fd00::1', allow: [] }), /--listen \[::\]:7400 .* --crl \/etc\/lvsctl\/crl\.pem"$/m);
    assert.throws(() => defaultsText({ ...input, allow: ['bad name'] }), /"bad name" cannot be written/);
  });

  it('narrows --listen to the host\'s plan address with listenOn "address", and writes no --listen of its own for it', () => {
    const args = (over: Partial<HostFilesInput>) => defaultsText({ ...input, ...over }).split('\n').find((l) => l.startsWith('LVSCTL_AGENT_ARGS=')) ?? '';
    assert.match(args({ options: { listenOn: 'address' } }), /^LVSCTL_AGENT_ARGS="--role realserver --listen 10\.0\.0\.11:7400 --ca /);
    assert.match(args({ address: 'FD00:0::11', options: { listenOn: 'address', logLevel: 'debug' } }), /--listen \[fd00::11\]:7400 .* --log-level debug"$/);
    assert.match(args({ options: { listenOn: 'any' } }), /--listen 0\.0\.0\.0:7400 /);
    for (const over of [{ options: { listenOn: 'address' as const } }, { options: { listenOn: 'any' as const } }]) {
      assert.equal(args(over).match(/--listen/g)?.length, 1, args(over));
    }
  });

  it('gives ssh an argument array: -F, BatchMode, the plan\'s address as HostName only when asked', () => {
    assert.deepEqual(sshArgs({ alias: 'web1', hostName: '10.0.0.11' }, 'id -u', { configFile: '/tmp/cfg', connectTimeoutS: 10 }), [
      '-F', '/tmp/cfg', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', '-o', 'ServerAliveInterval=10', '-o', 'HostName=10.0.0.11', '-T', '--', 'web1', 'id -u',
    ]);
    assert.deepEqual(sshArgs({ alias: 'web1' }, 'true', { connectTimeoutS: 5 }).slice(-3), ['--', 'web1', 'true']);
  });

  it('recaps and exits like the other commands: a failure beats an unreachable host', () => {
    const outcomes = [
      { host: 'web1', status: 'ok' as const, steps: [] },
      { host: 'lvs1', status: 'unreachable' as const, steps: [], failure: { step: 'probe', reason: 'Connection refused' } },
    ];
    assert.equal(bootstrapExitCode(outcomes), 3);
    assert.equal(bootstrapExitCode([...outcomes, { host: 'web2', status: 'failed' as const, steps: [], failure: { step: 'copy key', reason: 'disk full' } }]), 2);
    assert.equal(bootstrapExitCode([outcomes[0]]), 0);
    assert.deepEqual(recapLines([outcomes[0]], false), ['web1  ok            nothing to change', '1 host(s) unchanged: nothing to do']);
    assert.match(recapLines(outcomes, false)[1], /^lvs1  unreachable   step probe: Connection refused$/);
  });
});
