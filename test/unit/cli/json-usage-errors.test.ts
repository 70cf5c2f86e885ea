// --json prints one JSON document on stdout, also when a usage error is found once the plan
// is loaded (an unknown --limit host, an unknown --realserver): scripts piping into jq get
// the problem, and the message still goes to stderr. The plan's hosts are on loopback, and
// the commands end before any agent is asked.
import assert from 'assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const LVSCTL = resolve(__dirname, '..', '..', '..', 'controller', 'cli', 'main.js');

describe('--json and a usage error found after the plan loaded', () => {
  let dir: string;
  let plan: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lvsctl-json-usage-'));
    plan = join(dir, 'plan.json');
    writeFileSync(plan, JSON.stringify({
      apiVersion: 'lvsctl/v1', cluster: 'loop',
      hosts: { lvs1: { role: 'director', address: '127.0.0.1' }, web1: { role: 'realserver', address: '127.0.0.2' } },
      services: [{ name: 'web', protocol: 'tcp', vip: '127.0.0.100', port: 80, scheduler: 'rr', forwarding: 'tun', realservers: [{ host: 'web1' }] }],
    }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [command, args, message] of [
    ['rollout', ['--limit', 'web9'], /--limit: web9 is not a host of .*plan\.json; known hosts: lvs1, web1/],
    ['connections', ['--realserver', 'web9'], /--realserver "web9": not a realserver of .*plan\.json nor an address; realservers: web1/],
    ['connections', ['--limit', '0'], /--limit "0": must be 1\.\.1000000/],
    ['connections', ['--client', 'x'], /--client "x": must be an IPv4 or IPv6 address/],
  ] as const) {
    it(`${command} ${args.join(' ')} --json: exit 1, the problem in the JSON document and on stderr`, () => {
      const r = spawnSync(process.execPath, [LVSCTL, command, plan, ...args, '--json', '--insecure', '--timeout', '1s'], { encoding: 'utf8', timeout: 20_000 });
      assert.strictEqual(r.status, 1, r.stderr);
      const document = JSON.parse(r.stdout) as { command: string; problems: { message: string }[]; exitCode: number };
      assert.strictEqual(document.command, command);
      assert.strictEqual(document.exitCode, 1);
      assert.match(document.problems[0].message, message);
      assert.match(r.stderr, message);
    });
  }
});

describe('--json and a failure before the command printed anything (an option, the TLS files)', () => {
  let dir: string;
  let plan: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lvsctl-json-option-'));
    plan = join(dir, 'plan.json');
    writeFileSync(plan, JSON.stringify({ apiVersion: 'lvsctl/v1', cluster: 'loop', hosts: { lvs1: { role: 'director', address: '127.0.0.1' } }, services: [] }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [command, args, message] of [
    ['health', ['--timeout', '0s', '--insecure'], /^--timeout "0s": must be a duration from 1ms/],
    ['status', ['--bogus'], /^unknown option '--bogus'/],
    ['rollout', [], /^mutual TLS needs a CA, a certificate and a key; missing --ca/],
    ['connections', ['--deadline', 'soon', '--insecure'], /^--deadline "soon": must be a duration/],
  ] as const) {
    it(`${command} ${args.join(' ')} --json: exit 1, the one document on stdout names the plan and the problem`, () => {
      // the environment's TLS files would be taken: none here, so the missing ones are the problem
      const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('LVSCTL_')));
      const r = spawnSync(process.execPath, [LVSCTL, command, ...args, plan, '--json'], { encoding: 'utf8', timeout: 20_000, env });
      assert.strictEqual(r.status, 1, r.stderr);
      const document = JSON.parse(r.stdout) as { command: string; plan: string; problems: { pointer: string; message: string }[]; exitCode: number };
      assert.deepStrictEqual([document.command, document.plan, document.exitCode, document.problems.length], [command, plan, 1, 1]);
      assert.match(document.problems[0]?.message ?? '', message);
      assert.notStrictEqual(r.stderr, '', 'the message goes to stderr as well');
    });
  }

  it('bootstrap --json: a local file it checks before any ssh call (the agent binary) refused in the document too', () => {
    const caDir = mkdtempSync(join(dir, 'ca-'));
    const r = spawnSync(process.execPath, [LVSCTL, 'bootstrap', plan, '--json', '--ca-dir', caDir, '--agent-binary', join(dir, 'no-such-agent')], { encoding: 'utf8', timeout: 20_000 });
    assert.strictEqual(r.status, 1, r.stderr);
    const document = JSON.parse(r.stdout) as { command: string; problems: { message: string }[] };
    assert.strictEqual(document.command, 'bootstrap');
    assert.match(document.problems[0]?.message ?? '', /--agent-binary .*no-such-agent/);
  });

  it('health --watch --json: the document on one line, as every object of a watch', () => {
    const r = spawnSync(process.execPath, [LVSCTL, 'health', plan, '--watch', '--json', '--insecure', '--timeout', 'x'], { encoding: 'utf8', timeout: 20_000 });
    assert.strictEqual(r.status, 1, r.stderr);
    const lines = r.stdout.split('\n').filter(Boolean);
    assert.strictEqual(lines.length, 1, r.stdout);
    assert.strictEqual((JSON.parse(lines[0] as string) as { kind: string }).kind, 'invalid-plan');
  });

  it('leaves validate\'s own document to validate: an unknown flag prints no document of another shape', () => {
    const r = spawnSync(process.execPath, [LVSCTL, 'validate', plan, '--json', '--bogus'], { encoding: 'utf8', timeout: 20_000 });
    assert.strictEqual(r.status, 1);
    assert.strictEqual(r.stdout, '');
    assert.match(r.stderr, /unknown option '--bogus'/);
  });

  it('prints nothing on stdout without --json', () => {
    const r = spawnSync(process.execPath, [LVSCTL, 'health', plan, '--timeout', '0s', '--insecure'], { encoding: 'utf8', timeout: 20_000 });
    assert.strictEqual(r.status, 1);
    assert.strictEqual(r.stdout, '');
  });
});
