// The bundles `npm run build` leaves in dist/cli-bundle/ and dist/agent-bundle/
// (scripts/package/dist-bundles.ts), built here into directories of their own: started from
// its bundle, lvsctl prints, and exits with, what the compiled modules do, and a fresh node takes
// the code cache the training run wrote; the agent starts and serves with the contract from the
// bundle's JSON; each bundled file still finds what lies beside it in dist/ (package.json for the
// version); and the packages not chosen are left out, loaded from node_modules when needed.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildDistBundle, DIST_PROGRAMS, packageOf, type DistProgram } from '../../../scripts/package/dist-bundles';
import { DIST_BUNDLE_MANIFEST, type DistBundleManifest } from '../../../lvs/dist-bundle';

const execFileP = promisify(execFile);

// dist/test/unit/package/ → dist/ and the repository
const DIST = join(__dirname, '..', '..', '..');
const REPO = join(DIST, '..');
const LVSCTL = join(DIST, 'controller', 'cli', 'main.js');
const AGENT = join(DIST, 'agent', 'main.js');
const DIST_BUNDLE = join(DIST, 'lvs', 'dist-bundle.js');

function programNamed(name: DistProgram['name']): DistProgram {
  const program = DIST_PROGRAMS.find((p) => p.name === name);
  if (!program) throw new Error(`no dist/ program ${name}`);
  return program;
}

interface Exit {
  code: number;
  stdout: string;
  stderr: string;
}

function exitOf(promise: Promise<{ stdout: string; stderr: string }>): Promise<Exit> {
  return promise.then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? -1, stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
  );
}

function run(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Exit> {
  return exitOf(execFileP(process.execPath, [...args], { cwd: REPO, env: { ...process.env, NO_COLOR: '1', ...env } }));
}

/** lvsctl ARGS from the bundle in `dir`; the code cache's use goes to stderr's last line. */
function fromBundle(dir: string, args: readonly string[]): Promise<Exit> {
  const code = `const b = require(${JSON.stringify(DIST_BUNDLE)}).loadDistBundle(${JSON.stringify(dir)});
if (!b) { console.error('no fresh bundle'); process.exit(99); }
b.exports.main(['node', 'lvsctl', ...JSON.parse(process.argv[1])]).then((c) => { process.exitCode = c; process.stderr.write('cache: ' + b.cache + '\\n'); });`;
  return run(['-e', code, JSON.stringify(args)], { LVSCTL_NO_BUNDLE: '' });
}

/** lvsctl-agent ARGS from the bundle in `dir` (exits on its own, e.g. --version). */
function agentFromBundle(dir: string, args: readonly string[]): Promise<Exit> {
  const code = `const b = require(${JSON.stringify(DIST_BUNDLE)}).loadDistBundle(${JSON.stringify(dir)});
if (!b) { console.error('no fresh bundle'); process.exit(99); }
b.exports.runAgentCommand(['node', 'lvsctl-agent', ...JSON.parse(process.argv[1])]);`;
  return run(['-e', code, JSON.stringify(args)], { LVSCTL_NO_BUNDLE: '' });
}

describe('the dist/ bundles', function () {
  this.timeout(120_000);
  let dir: string;
  let agentDir: string;
  let work: string;
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'lvsctl-dist-bundles-'));
    dir = join(work, 'cli-bundle');
    agentDir = join(work, 'agent-bundle');
    await buildDistBundle(REPO, programNamed('lvsctl'), dir);
    await buildDistBundle(REPO, programNamed('lvsctl-agent'), agentDir);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  const cases = (): string[][] => {
    const invalid = join(work, 'invalid.json');
    writeFileSync(invalid, JSON.stringify({ hosts: { lvs1: { role: 'director', address: '10.0.0.1' } }, services: [{ vip: 'nope' }] }));
    return [
      ['--version'],
      ['--help'],
      ['validate', join('examples', 'nat.json')],
      ['validate', '--json', join('examples', 'fwmark.json')],
      ['validate', invalid],
      ['validate', join(work, 'missing.json')],
      ['frobnicate'],
    ];
  };

  it('prints and exits as the compiled modules do', async () => {
    for (const args of cases()) {
      const bundled = await fromBundle(dir, args);
      const compiled = await run([LVSCTL, ...args], { LVSCTL_NO_BUNDLE: '1' });
      assert.equal(bundled.code, compiled.code, `lvsctl ${args.join(' ')}: ${bundled.stderr}`);
      assert.equal(bundled.stdout, compiled.stdout, `lvsctl ${args.join(' ')}`);
      assert.equal(bundled.stderr.replace(/cache: \w+\n$/, ''), compiled.stderr, `lvsctl ${args.join(' ')}`);
    }
  });

  it('prints package.json\'s version: a bundled file reads from its own directory in dist/', async () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    const r = await fromBundle(dir, ['--version']);
    assert.equal(r.stdout, `${pkg.version}\n`);
  });

  it('is started with the code cache of its training run', async () => {
    const r = await fromBundle(dir, ['validate', join('examples', 'nat.json')]);
    assert.equal(r.code, 0);
    assert.match(r.stderr, /cache: used\n$/);
  });

  it('starts without node:child_process: commander\'s is loaded when first used, and lvsctl uses none for --help or validate', async () => {
    for (const args of [['--help'], ['validate', join('examples', 'nat.json')]]) {
      const code = `const b = require(${JSON.stringify(DIST_BUNDLE)}).loadDistBundle(${JSON.stringify(dir)});
b.exports.main(['node', 'lvsctl', ...JSON.parse(process.argv[1])]).then((c) => {
  process.exitCode = c;
  process.stderr.write('child_process: ' + process.moduleLoadList.includes('NativeModule child_process') + '\\n');
});`;
      const r = await run(['-e', code, JSON.stringify(args)], { LVSCTL_NO_BUNDLE: '' });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /child_process: false\n$/, `lvsctl ${args.join(' ')}`);
    }
  });

  const manifestOf = (d: string): DistBundleManifest => JSON.parse(readFileSync(join(d, DIST_BUNDLE_MANIFEST), 'utf8')) as DistBundleManifest;
  const packagesIn = (m: DistBundleManifest): string[] =>
    m.inputs.map(([path]) => /node_modules\/(.+)\/package\.json$/.exec(path)?.[1]).filter((p): p is string => p !== undefined).sort();

  it('holds only the chosen packages, and the manifest checks each of them, dist/\'s own files and agent.proto', () => {
    const cli = manifestOf(dir);
    assert.deepEqual(packagesIn(cli), ['commander', 'ssh-config', 'zod']);
    assert.ok(cli.inputs.some(([path]) => path.endsWith('controller/cli/program.js')));
    assert.ok(cli.inputs.some(([path]) => path.endsWith('controller/plan/schema.js')));
    assert.ok(cli.inputs.some(([path]) => path.endsWith('proto/lvsctl/v1/agent.proto')));
    assert.match(readFileSync(join(dir, cli.bundle), 'utf8'), /require\("@grpc\/grpc-js"\)/, 'gRPC is loaded from node_modules');
    const agent = manifestOf(agentDir);
    const agentPackages = packagesIn(agent);
    for (const held of ['@grpc/grpc-js', 'protobufjs', 'winston', 'commander', 'netlink']) assert.ok(agentPackages.includes(held), `${held} is not in the agent's bundle`);
    for (const left of ['zod', 'prom-client', '@peculiar/x509']) assert.ok(!agentPackages.includes(left), `${left} is in the agent's bundle`);
    assert.equal(agent.codeCache, undefined, 'the agent has no code cache');
    assert.ok(agent.inputs.some(([path]) => path.endsWith('agent/start.js')));
  });

  it('the agent from its bundle prints its version and help as the compiled modules do', async () => {
    for (const args of [['--version'], ['--help']]) {
      const bundled = await agentFromBundle(agentDir, args);
      const compiled = await run([AGENT, ...args], { LVSCTL_NO_BUNDLE: '1' });
      assert.equal(bundled.code, compiled.code);
      assert.equal(bundled.stdout, compiled.stdout);
    }
  });

  it('the agent from its bundle starts and serves, with the contract from the bundle (no agent.proto read)', async () => {
    const stateDir = join(work, 'agent-state');
    const code = `const fs = require('fs');
const read = fs.readFileSync;
fs.readFileSync = function (file, ...rest) { if (String(file).endsWith('.proto')) { console.error('read ' + file); process.exit(98); } return read.call(this, file, ...rest); };
const b = require(${JSON.stringify(DIST_BUNDLE)}).loadDistBundle(${JSON.stringify(agentDir)});
if (!b) { console.error('no fresh bundle'); process.exit(99); }
b.exports.runAgentCommand(['node', 'lvsctl-agent', '--role', 'realserver', '--insecure', '--listen', '127.0.0.1:0', '--state-dir', ${JSON.stringify(stateDir)}]);
const timer = setInterval(() => {}, 1000);
process.stdout.write = ((write) => function (chunk, ...rest) { if (String(chunk).includes('"agent started"')) { clearInterval(timer); setImmediate(() => process.exit(0)); } return write.call(this, chunk, ...rest); })(process.stdout.write);`;
    const r = await run(['-e', code], { LVSCTL_NO_BUNDLE: '' });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /"agent started"/);
  });

  it('names packages from import paths', () => {
    assert.equal(packageOf('zod'), 'zod');
    assert.equal(packageOf('zod/v4/core'), 'zod');
    assert.equal(packageOf('@grpc/grpc-js/build/src/x'), '@grpc/grpc-js');
    assert.equal(packageOf('./schema'), undefined);
    assert.equal(packageOf('/abs/file.js'), undefined);
  });
});
