// What lvsctl and lvsctl-agent load before they print their help: commander and the
// commands' declarations, never the heavy packages a command needs only when it runs
// (docs/architecture.md, "Start-up"). Asserts on the modules a real process loaded,
// recorded by a preload, never on timing.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// dist/test/unit/cli/ → dist/ and the repository
const DIST = join(__dirname, '..', '..', '..');
const REPO = join(DIST, '..');
const LVSCTL = join(DIST, 'controller', 'cli', 'main.js');
const AGENT = join(DIST, 'agent', 'main.js');
const RECORDER = join(__dirname, 'record-loads.js');

/** The packages a command loads only when it runs: gRPC and the proto, zod, logging, metrics, X.509, ssh config. */
const HEAVY = ['@grpc/grpc-js', '@grpc/proto-loader', 'protobufjs', 'zod', 'winston', 'prom-client', '@peculiar/x509', 'reflect-metadata', 'ssh-config'];

interface Run {
  code: number | null;
  stdout: string;
  /** the packages under node_modules the process loaded */
  packages: Set<string>;
  /** every file it loaded */
  files: string[];
  /** Node's own modules it loaded, as `node:NAME` */
  builtins: Set<string>;
}

function packageOf(file: string): string | undefined {
  const m = /[\\/]node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(file);
  return m?.[1].replace(/\\/g, '/');
}

let dir: string;
let runs = 0;

function run(script: string, args: string[]): Promise<Run> {
  const record = join(dir, `loads-${++runs}.json`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', RECORDER, script, ...args], {
      cwd: REPO,
      // the compiled modules, not dist/'s bundles (one file: the recorder would see none of them);
      // what they load when is also what a bundle runs when
      env: { ...process.env, LVSCTL_RECORD_LOADS: record, HOME: dir, NO_COLOR: '1', LVSCTL_NO_BUNDLE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.resume();
    child.on('error', reject);
    child.on('exit', (code) => {
      try {
        const { files, builtins } = JSON.parse(readFileSync(record, 'utf8')) as { files: string[]; builtins: string[] };
        const packages = new Set(files.map(packageOf).filter((p): p is string => p !== undefined));
        resolve({ code, stdout, packages, files, builtins: new Set(builtins) });
      } catch (err) {
        reject(err);
      }
    });
  });
}

/** Starts an agent (plain TCP on a loopback port), stops it with SIGTERM once it serves. */
function runAgentUntilStarted(role: 'director' | 'realserver'): Promise<Run> {
  const record = join(dir, `loads-${++runs}.json`);
  const stateDir = mkdtempSync(join(dir, `state-${role}-`));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', RECORDER, AGENT, '--role', role, '--insecure', '--listen', '127.0.0.1:0', '--state-dir', stateDir], {
      cwd: REPO,
      env: { ...process.env, LVSCTL_RECORD_LOADS: record, HOME: dir, NO_COLOR: '1', LVSCTL_NO_BUNDLE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('"agent started"')) child.kill('SIGTERM');
    });
    child.stderr.resume();
    child.on('error', reject);
    child.on('exit', (code) => {
      try {
        assert.match(stdout, /"agent started"/, `the agent did not start: ${stdout}`);
        const { files, builtins } = JSON.parse(readFileSync(record, 'utf8')) as { files: string[]; builtins: string[] };
        const packages = new Set(files.map(packageOf).filter((p): p is string => p !== undefined));
        resolve({ code, stdout, packages, files, builtins: new Set(builtins) });
      } catch (err) {
        reject(err);
      }
    });
  });
}

function heavyIn(r: Run): string[] {
  return HEAVY.filter((p) => r.packages.has(p));
}

describe('start-up: commands load their modules when they run', function () {
  this.timeout(30_000);
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lvsctl-startup-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the recorder sees what a process loads (commander for --help)', async () => {
    const r = await run(LVSCTL, ['--help']);
    assert.equal(r.code, 0);
    assert.ok(r.packages.has('commander'), `loaded: ${[...r.packages].join(', ')}`);
  });

  for (const args of [['--help'], ['--version'], ['help']]) {
    it(`lvsctl ${args.join(' ')} loads none of ${HEAVY.join(', ')}`, async () => {
      const r = await run(LVSCTL, args);
      assert.equal(r.code, 0);
      assert.notEqual(r.stdout, '');
      assert.deepEqual(heavyIn(r), []);
      // the TLS files are read, with node:crypto, when a command connects
      assert.equal(r.builtins.has('node:crypto'), false, 'node:crypto was loaded');
    });
  }

  for (const command of ['validate', 'schema', 'render', 'import', 'rollout', 'health', 'status', 'connections', 'certs', 'certs init', 'certs issue', 'certs revoke', 'certs crl', 'bootstrap', 'completion']) {
    it(`lvsctl ${command} --help loads none of them`, async () => {
      const r = await run(LVSCTL, [...command.split(' '), '--help']);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /^Usage: lvsctl /);
      assert.deepEqual(heavyIn(r), []);
      assert.equal(r.builtins.has('node:crypto'), false, 'node:crypto was loaded');
    });
  }

  it('lvsctl completion bash loads commander and its own modules only', async () => {
    const r = await run(LVSCTL, ['completion', 'bash']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /complete -o filenames -F _lvsctl lvsctl/);
    assert.deepEqual(heavyIn(r), []);
  });

  it('lvsctl validate of a small plan loads zod, and no gRPC, logging, metrics, X.509 or ssh config', async () => {
    const r = await run(LVSCTL, ['validate', join('examples', 'fwmark.json')]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /examples\/fwmark\.json: ok: /);
    assert.deepEqual(heavyIn(r), ['zod']);
    assert.equal(r.builtins.has('node:crypto'), false, 'node:crypto was loaded');
  });

  it('lvsctl validate loads none of the code of rollout, health, status and connections', async () => {
    const r = await run(LVSCTL, ['validate', join('examples', 'fwmark.json')]);
    assert.equal(r.code, 0);
    const fleetCode = r.files.filter((f) => /[\\/]dist[\\/]controller[\\/](rollout|fleet|report)[\\/]/.test(f) || /cli[\\/](rollout|health|status|connections)-command\.js$/.test(f));
    assert.deepEqual(fleetCode.map((f) => f.slice(f.indexOf('controller'))), []);
  });

  // What an idle agent holds stays in its RSS (docs/architecture.md, "Memory at rest"):
  // zod only with the first state file or `ip -j` it reads, metrics only with --metrics,
  // X.509 only with --crl, and the contract parsed once, by protobufjs, not by proto-loader.
  for (const role of ['director', 'realserver'] as const) {
    it(`an idle ${role} agent has loaded gRPC and winston, and none of zod, proto-loader, prom-client, X.509 or ssh config`, async () => {
      const r = await runAgentUntilStarted(role);
      assert.equal(r.code, 0);
      assert.deepEqual(heavyIn(r), ['@grpc/grpc-js', 'protobufjs', 'winston']);
    });
  }

  // The other role's code is not loaded (agent/start.ts imports each role's parts when it starts).
  const FOREIGN: Record<'director' | 'realserver', RegExp> = {
    director: /[\\/]dist[\\/]agent[\\/](realserver[\\/](verifier|kernel|prepare)\.js|kernel[\\/]linux[\\/](rtnetlink-|sock-diag-))/,
    realserver: /[\\/]dist[\\/]agent[\\/](director[\\/]|kernel[\\/](ipvs-writer|confirmed-ipvs)\.js|kernel[\\/]linux[\\/](ipvs|netlink-ipvs|marks|keepalived|preconditions)\.js)/,
  };
  for (const role of ['director', 'realserver'] as const) {
    it(`an idle ${role} agent has loaded none of the other role's applier and kernel doors`, async () => {
      const r = await runAgentUntilStarted(role);
      assert.equal(r.code, 0);
      assert.ok(r.files.some((f) => /[\\/]dist[\\/]agent[\\/]start\.js$/.test(f)), 'the recorder saw the agent start');
      assert.deepEqual(r.files.filter((f) => FOREIGN[role].test(f)).map((f) => f.slice(f.indexOf('agent'))), []);
    });
  }

  for (const args of [['--help'], ['--version']]) {
    it(`lvsctl-agent ${args.join(' ')} loads no gRPC, winston, prom-client or zod`, async () => {
      const r = await run(AGENT, args);
      assert.equal(r.code, 0);
      assert.notEqual(r.stdout, '');
      assert.deepEqual(heavyIn(r), []);
    });
  }
});
