// `lvsctl validate` and `lvsctl schema` as an operator sees them: lines, exit codes, JSON.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { register as registerSchema } from '../../../controller/cli/schema';
import { schemaText } from '../../../controller/cli/schema-text';
import { register as registerValidate } from '../../../controller/cli/validate';
import { runValidate } from '../../../controller/cli/run-validate';
import type { HostLookup } from '../../../controller/inventory/resolve';
import { FIXTURES, basePlan } from './helpers';

interface Captured {
  code: number;
  out: string;
  err: string;
}

const noDns: HostLookup = async (name) => {
  throw Object.assign(new Error(`ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
};

async function validate(path: string, options: { json?: boolean; sshConfig?: string } = {}, lookup: HostLookup = noDns): Promise<Captured> {
  let out = '';
  let err = '';
  const code = await runValidate(path, options, { out: (t) => (out += t), err: (t) => (err += t), lookup, homeDir: '/nonexistent' });
  return { code, out, err };
}

describe('lvsctl validate', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lvsctl-validate-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints a one-line summary and exits 0 for a valid plan', async () => {
    const r = await validate(join(FIXTURES, 'shop.json'));
    assert.equal(r.code, 0);
    assert.equal(r.err, '');
    assert.match(r.out, /shop\.json: ok: 3 hosts \(1 director, 2 realservers\), 3 services, 2 mark rules\n$/);
  });

  it('prints every problem as PLAN: /pointer: message (hint) on stderr and exits 1', async () => {
    const plan = basePlan();
    plan.services = [
      { name: 'web', vip: '10.0.0.100', port: 0, realservers: [{ host: 'web3' }] },
      { name: 'web', vip: '10.0.0.101', port: 80, persistance: {}, realservers: [] },
    ];
    const path = join(dir, 'bad.json');
    writeFileSync(path, JSON.stringify(plan));
    const r = await validate(path);
    assert.equal(r.code, 1);
    assert.equal(r.out, '');
    const lines = r.err.trim().split('\n');
    assert.ok(lines.includes(`${path}: /services/1/persistance: unknown key "persistance" (did you mean "persistence"?)`), r.err);
    assert.ok(lines.some((l) => l.startsWith(`${path}: /services/0/port: port 0 (all ports) needs persistence`)), r.err);
    assert.ok(lines.some((l) => l.startsWith(`${path}: /services/0/realservers/0/host: no host "web3"`)), r.err);
    assert.ok(lines.some((l) => l.startsWith(`${path}: /services/1/name: service name "web" is already used`)), r.err);
  });

  it('prints the first 100 of 250 problems, then how many more and where they all are; --json has all 250', async () => {
    const plan = basePlan();
    // one unknown host each: 250 problems
    plan.services = Array.from({ length: 250 }, (_, i) => ({ name: `s${i}`, vip: '10.0.0.100', port: 1000 + i, realservers: [{ host: `ghost${i}` }] }));
    const path = join(dir, 'many.json');
    writeFileSync(path, JSON.stringify(plan));
    const r = await validate(path);
    assert.equal(r.code, 1);
    const lines = r.err.trim().split('\n');
    assert.equal(lines.length, 102, r.err.slice(0, 500));
    assert.ok(lines[99].startsWith(`${path}: /services/99/realservers/0/host: no host "ghost99"`), lines[99]);
    assert.equal(lines[100], `${path}: … and 150 more (lvsctl validate --json lists them all)`);
    assert.equal(lines[101], `${path}: 250 problems: the plan is refused`);
    const json = await validate(path, { json: true });
    assert.equal((JSON.parse(json.out) as { problems: unknown[] }).problems.length, 250);
  });

  it('resolves hosts through --ssh-config and fails on a host nothing resolves', async () => {
    const sshConfig = join(dir, 'ssh_config');
    writeFileSync(sshConfig, 'Host web1\n  HostName 10.0.0.11\n');
    const r = await validate(join(FIXTURES, 'resolvable.json'), { sshConfig });
    assert.equal(r.code, 1);
    assert.match(r.err, /resolvable\.json: \/hosts\/web2: cannot resolve host "web2"/);
    assert.doesNotMatch(r.err, /web1/);
    const resolved = await validate(join(FIXTURES, 'resolvable.json'), { sshConfig }, async () => ['10.0.0.12']);
    assert.equal(resolved.code, 0, resolved.err);
  });

  it('refuses a resolved realserver of the other address family', async () => {
    const r = await validate(join(FIXTURES, 'resolvable.json'), {}, async () => ['2001:db8::5']);
    assert.equal(r.code, 1);
    assert.match(r.err, /IPv4 service "web" cannot forward to IPv6 realserver "web1"/);
  });

  it('prints warnings without failing', async () => {
    const r = await validate(join(FIXTURES, 'nat-ftp.json'));
    assert.equal(r.code, 0);
    assert.match(r.err, /nat-ftp\.json: \/services\/0\/ftp: warning: .*ip_vs_ftp/);
    assert.match(r.out, /1 warning\n$/);
  });

  it('with --json prints one JSON document and nothing on stderr', async () => {
    const r = await validate(join(dir, 'missing.json'), { json: true });
    assert.equal(r.code, 1);
    assert.equal(r.err, '');
    const doc = JSON.parse(r.out) as { ok: boolean; problems: { pointer: string; message: string }[] };
    assert.equal(doc.ok, false);
    assert.equal(doc.problems[0].message, 'no such file');
    const good = JSON.parse((await validate(join(FIXTURES, 'pcc.json'), { json: true })).out) as { ok: boolean; summary: { services: number }; addresses: Record<string, string> };
    assert.equal(good.ok, true);
    assert.equal(good.summary.services, 1);
    assert.equal(good.addresses.rs1, '172.23.136.148');
  });

  it('explains its argument and exit codes in --help', () => {
    const program = new Command('lvsctl');
    registerValidate(program);
    registerSchema(program);
    const help = program.commands.map((c) => c.helpInformation() + '\n').join('');
    let after = '';
    const validateCommand = program.commands.find((c) => c.name() === 'validate');
    validateCommand?.configureOutput({ writeOut: (t) => (after += t) });
    validateCommand?.outputHelp();
    assert.match(help, /<PLAN>/);
    assert.match(help, /--ssh-config <FILE>/);
    assert.match(after, /Exit codes:\n {2}0 .*\n {2}1 /);
  });
});

describe('lvsctl schema', () => {
  it('prints a JSON Schema that knows the plan fields', () => {
    const schema = JSON.parse(schemaText()) as { $schema: string; properties: Record<string, unknown>; required: string[] };
    assert.match(schema.$schema, /2020-12/);
    assert.ok(['apiVersion', 'cluster', 'hosts', 'services'].every((k) => schema.required.includes(k)));
    assert.ok('marks' in schema.properties);
  });
});
