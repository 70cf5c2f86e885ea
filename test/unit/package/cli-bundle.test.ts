// The CLI bundle `npm run build` leaves in dist/cli-bundle/ (scripts/package/cli-bundle.ts),
// built here into a directory of its own: started from it, lvsctl prints, and exits with, what
// the compiled modules do; a fresh node takes the code cache the training run wrote; each
// bundled file still finds what lies beside it in dist/ (package.json for the version); and the
// packages only a command's work needs are left out, loaded from node_modules when it runs.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildCliBundle, BUNDLED_PACKAGES, packageOf } from '../../../scripts/package/cli-bundle';
import { CLI_BUNDLE_MANIFEST, type CliBundleManifest } from '../../../controller/cli/bundled-cli';

const execFileP = promisify(execFile);

// dist/test/unit/package/ → dist/ and the repository
const DIST = join(__dirname, '..', '..', '..');
const REPO = join(DIST, '..');
const LVSCTL = join(DIST, 'controller', 'cli', 'main.js');
const BUNDLED_CLI = join(DIST, 'controller', 'cli', 'bundled-cli.js');

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
  const code = `const b = require(${JSON.stringify(BUNDLED_CLI)}).loadCliBundle(${JSON.stringify(dir)});
if (!b) { console.error('no fresh bundle'); process.exit(99); }
b.main(['node', 'lvsctl', ...JSON.parse(process.argv[1])]).then((c) => { process.exitCode = c; process.stderr.write('cache: ' + b.cache + '\\n'); });`;
  return run(['-e', code, JSON.stringify(args)]);
}

describe('the CLI bundle', function () {
  this.timeout(120_000);
  let dir: string;
  let work: string;
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'lvsctl-cli-bundle-'));
    dir = join(work, 'cli-bundle');
    await buildCliBundle(REPO, dir);
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

  it('holds only the listed packages, and the manifest checks each of them and dist/\'s own files', () => {
    const manifest = JSON.parse(readFileSync(join(dir, CLI_BUNDLE_MANIFEST), 'utf8')) as CliBundleManifest;
    const packages = new Set(manifest.inputs.map(([path]) => /node_modules\/(.+)\/package\.json$/.exec(path)?.[1]).filter((p): p is string => p !== undefined));
    assert.deepEqual([...packages].sort(), [...BUNDLED_PACKAGES].sort());
    assert.ok(manifest.inputs.some(([path]) => path.endsWith('controller/cli/program.js')));
    assert.ok(manifest.inputs.some(([path]) => path.endsWith('controller/plan/schema.js')));
    const bundle = readFileSync(join(dir, manifest.bundle), 'utf8');
    assert.match(bundle, /require\("@grpc\/grpc-js"\)/, 'gRPC is loaded from node_modules');
  });

  it('names packages from import paths', () => {
    assert.equal(packageOf('zod'), 'zod');
    assert.equal(packageOf('zod/v4/core'), 'zod');
    assert.equal(packageOf('@grpc/grpc-js/build/src/x'), '@grpc/grpc-js');
    assert.equal(packageOf('./schema'), undefined);
    assert.equal(packageOf('/abs/file.js'), undefined);
  });
});
