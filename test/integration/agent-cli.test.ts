import assert from 'assert';
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import { chmodSync, closeSync, copyFileSync, fstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { homedir, tmpdir } from 'os';
import { join } from 'path';
import { makeTestPki, type TestPki } from './support/pki';
import { clientTo, mtls } from './support/agent-harness';

// dist/test/integration/ → dist/agent/main.js
const AGENT = join(__dirname, '..', '..', 'agent', 'main.js');

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs lvsctl-agent; `untilLine` ends it with SIGTERM once stdout shows that text. */
function runAgent(args: string[], untilLine?: RegExp, env: NodeJS.ProcessEnv = process.env): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AGENT, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (untilLine && untilLine.test(stdout)) child.kill('SIGTERM');
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** An agent left running: its output so far, the JSON log line with a message, its port once started. */
interface ServingAgent {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** the first JSON line of stdout with this message, once written (polled; the agent's end stops the wait) */
  lineOf(message: string): Promise<Record<string, unknown> | undefined>;
  /** resolves once `what` holds or the agent has ended */
  waitFor(what: () => boolean): Promise<void>;
  exited: Promise<number | null>;
  /** the port of its "agent started" line */
  port(): Promise<number>;
  /** SIGKILL if still running, and the 20 s bound cleared */
  end(): void;
}

/** Runs lvsctl-agent and leaves it running (SIGKILL after 20 s at the latest). */
/** stdoutFd: the agent's stdout is that file (its log lines then looked for on stderr too) */
function spawnAgent(args: string[], stdoutFd?: number): ServingAgent {
  const child = spawn(process.execPath, [AGENT, ...args], { stdio: ['ignore', stdoutFd ?? 'pipe', 'pipe'] });
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = async (what: () => boolean): Promise<void> => {
    while (!what() && child.exitCode === null && child.signalCode === null) await new Promise((r) => setTimeout(r, 20));
  };
  const found = (message: string): Record<string, unknown> | undefined =>
    `${stdout}\n${stdoutFd === undefined ? '' : stderr}`.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.message === message);
  const lineOf = async (message: string): Promise<Record<string, unknown> | undefined> => {
    await waitFor(() => found(message) !== undefined);
    return found(message);
  };
  return {
    child, stdout: () => stdout, stderr: () => stderr, lineOf, waitFor, exited,
    port: async () => Number(/:(\d+)$/.exec(String((await lineOf('agent started'))?.listen))?.[1]),
    end: () => {
      clearTimeout(killer);
      child.kill('SIGKILL');
    },
  };
}

describe('lvsctl-agent start-up', () => {
  let pki: TestPki;
  let stateDir: string;
  before(async () => {
    pki = await makeTestPki();
    stateDir = mkdtempSync(join(tmpdir(), 'lvsctl-agent-cli-'));
  });
  after(() => {
    pki.cleanup();
    rmSync(stateDir, { recursive: true, force: true });
  });
  const tlsArgs = (): string[] => ['--ca', pki.agent.ca, '--cert', pki.agent.cert, '--key', pki.agent.key];
  /** Hello over mutual TLS as the controller: the agent's host name */
  const helloTo = async (port: number): Promise<string> => {
    const client = clientTo(port, mtls(pki.controller));
    try {
      return (await client.hello()).host;
    } finally {
      client.close();
    }
  };

  it('refuses to start without TLS files or --insecure, exit 1, saying how to make them', async () => {
    const { code, stderr } = await runAgent(['--role', 'director', '--listen', '127.0.0.1:0', '--state-dir', stateDir]);
    assert.strictEqual(code, 1);
    assert.match(stderr, /lvsctl-agent: mutual TLS needs --ca, --cert and --key \(missing --ca, --cert, --key\); make them with `lvsctl certs init DIR`/);
    assert.match(stderr, /--insecure serves plain TCP instead, for tests on loopback or a lab only/);
  });

  it('names a certificate file that does not exist', async () => {
    const { code, stderr } = await runAgent(['--role', 'director', '--ca', pki.agent.ca, '--cert', '/nonexistent/lvs1.crt', '--key', pki.agent.key]);
    assert.strictEqual(code, 1);
    assert.match(stderr, /lvsctl-agent: \/nonexistent\/lvs1\.crt: the certificate does not exist/);
  });

  it('names a key that does not belong to the certificate', async () => {
    const { code, stderr } = await runAgent(['--role', 'director', '--ca', pki.agent.ca, '--cert', pki.agent.cert, '--key', pki.controller.key]);
    assert.strictEqual(code, 1);
    assert.match(stderr, /controller\.key: does not belong to the certificate .*lvs1\.crt \(pass the \.key file issued together with that \.crt\)/);
  });

  it('names a certificate that another CA signed', async () => {
    const { code, stderr } = await runAgent(['--role', 'director', '--ca', pki.agent.ca, '--cert', pki.stranger.cert, '--key', pki.stranger.key]);
    assert.strictEqual(code, 1);
    assert.match(stderr, /other\/controller\.crt: is not signed by the CA .*cluster\/ca\.crt/);
  });

  it('refuses a --metrics that is not ADDR:PORT, naming the form it takes', async () => {
    const { code, stderr } = await runAgent(['--role', 'director', '--insecure', '--metrics', 'localhost:9100']);
    assert.strictEqual(code, 1);
    assert.match(stderr, /--metrics "localhost:9100": expected ADDR:PORT with a numeric address, e.g. 127.0.0.1:9400/);
  });

  it('refuses an --exec-checks that is a symbolic link to a system directory, naming where it leads', async () => {
    // not under /tmp: a path there is refused as written, before any link is followed
    const home = mkdtempSync(join(homedir(), '.lvsctl-exec-link-'));
    const link = join(home, 'checks-link');
    symlinkSync('/usr/bin', link);
    let exit: { code: number | null; stderr: string };
    try {
      exit = await runAgent(['--role', 'director', '--insecure', '--listen', '127.0.0.1:0', '--state-dir', stateDir, '--exec-checks', link]);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
    const { code, stderr } = exit;
    assert.strictEqual(code, 1);
    assert.match(stderr, /--exec-checks ".*checks-link" resolves to \/usr\/bin: \/usr\/bin holds programs that are not check scripts .*e\.g\. \/etc\/lvsctl-checks/);
  });

  it('refuses an unknown role', async () => {
    const { code, stderr } = await runAgent(['--role', 'router', '--insecure']);
    assert.strictEqual(code, 1);
    assert.match(stderr, /--role "router" is not a role: use --role director or --role realserver/);
    assert.doesNotMatch(stderr, /\/etc\/default\/lvsctl-agent/, 'run by hand, the command line is where the fix goes');
  });

  it('started by systemd with a wrong option, names the file its options come from', async () => {
    const env = { ...process.env, INVOCATION_ID: '0123456789abcdef0123456789abcdef' };
    const { code, stderr } = await runAgent(['--insecure'], undefined, env);
    assert.strictEqual(code, 1);
    assert.match(stderr, /--role is required: use --role director or --role realserver \(under systemd the agent's options are LVSCTL_AGENT_ARGS in \/etc\/default\/lvsctl-agent/);
  });

  it('started by systemd with a misspelt option, says it at error priority in the journal and names the file its options come from', () => {
    // stderr a file that JOURNAL_STREAM names, as systemd hands the journal's stream over
    const file = join(stateDir, 'journal-stderr');
    const fd = openSync(file, 'w');
    let code: number | null;
    try {
      const { dev, ino } = fstatSync(fd, { bigint: true });
      const env = { ...process.env, INVOCATION_ID: '0123456789abcdef0123456789abcdef', JOURNAL_STREAM: `${dev}:${ino}` };
      ({ status: code } = spawnSync(process.execPath, [AGENT, '--rol', 'director'], { stdio: ['ignore', 'pipe', fd], env, timeout: 15_000 }));
    } finally {
      closeSync(fd);
    }
    const written = readFileSync(file, 'utf8');
    assert.strictEqual(code, 1);
    assert.match(written.split('\n')[0] ?? '', /^<3>lvsctl-agent: error: unknown option '--rol' \(under systemd the agent's options are LVSCTL_AGENT_ARGS in \/etc\/default\/lvsctl-agent/, written);
    assert.match(written, /^<3>\(Did you mean --role\?\)$/m, 'the fix at error priority too');
  });

  it('with --insecure warns loudly, serves, and exits 0 on SIGTERM', async () => {
    const { code, stdout, stderr } = await runAgent(
      ['--role', 'realserver', '--insecure', '--listen', '127.0.0.1:0', '--state-dir', stateDir],
      /"agent stopped"|"agent started"/,
    );
    assert.strictEqual(code, 0);
    assert.match(stderr, /INSECURE: serving plain TCP without TLS/);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { message: string; level: string });
    assert.deepStrictEqual(lines.map((l) => l.message).slice(-2), ['stopping: no new calls; the apply in flight finishes first', 'agent stopped']);
    assert.ok(lines.some((l) => l.level === 'warn' && /INSECURE/.test(l.message)));
  });

  it('warns of an option given for the other role, which it ignores, and serves (a default is no option given)', async () => {
    const { code, stdout } = await runAgent(
      ['--role', 'realserver', '--insecure', '--listen', '127.0.0.1:0', '--state-dir', stateDir, '--drain-timeout', '10s', '--self-check-interval', '20s'],
      /"agent stopped"|"agent started"/,
    );
    assert.strictEqual(code, 0);
    const warnings = stdout.trim().split('\n').map((l) => JSON.parse(l) as { message: string; level: string }).filter((l) => l.level === 'warn').map((l) => l.message);
    assert.deepStrictEqual(warnings.filter((w) => !/INSECURE/.test(w)), [
      '--drain-timeout is an option of director agents: this realserver agent ignores it; remove it from its command line (/etc/default/lvsctl-agent, or the plan\'s agentOptions for lvsctl bootstrap)',
    ]);
  });

  it('refuses to start with a key file others can read, naming it and the chmod that fixes it', async () => {
    const key = join(stateDir, 'open.key');
    copyFileSync(pki.agent.key, key);
    chmodSync(key, 0o644);
    const { code, stderr } = await runAgent(['--role', 'director', '--ca', pki.agent.ca, '--cert', pki.agent.cert, '--key', key, '--listen', '127.0.0.1:0', '--state-dir', stateDir]);
    assert.strictEqual(code, 1);
    assert.strictEqual(stderr, `lvsctl-agent: ${key}: the private key can be read by others than its owner (mode 0644) (run \`chmod 600 ${key}\`)\n`);
  });

  it('says a --key that is a directory is one, not that it wants a chmod', async () => {
    const keyDir = join(stateDir, 'key-dir');
    mkdirSync(keyDir, { recursive: true, mode: 0o755 });
    chmodSync(keyDir, 0o755);
    const { code, stderr } = await runAgent(['--role', 'realserver', '--ca', pki.agent.ca, '--cert', pki.agent.cert, '--key', keyDir, '--listen', '127.0.0.1:0', '--state-dir', stateDir]);
    assert.strictEqual(code, 1);
    assert.match(stderr, /key-dir: the private key is a directory \(give the path of the PEM file itself\)/);
    assert.doesNotMatch(stderr, /chmod/);
  });

  it('says a --state-dir that is a file is a file, not a matter of permissions', async () => {
    const file = join(stateDir, 'a-file');
    writeFileSync(file, '');
    const { code, stderr } = await runAgent(['--role', 'realserver', '--insecure', '--listen', '127.0.0.1:0', '--state-dir', file]);
    assert.strictEqual(code, 1);
    assert.match(stderr, /--state-dir .*a-file: is a file, not a directory; move it away or choose another --state-dir/);
    const below = await runAgent(['--role', 'realserver', '--insecure', '--listen', '127.0.0.1:0', '--state-dir', join(file, 'state')]);
    assert.strictEqual(below.code, 1);
    assert.match(below.stderr, /a part of the path is a file, not a directory/);
  });

  it('says a --state-dir under /proc cannot be made, and ends at once (Node\'s own mkdir -p spun there forever)', async () => {
    const { code, stderr } = await runAgent(['--role', 'realserver', '--insecure', '--listen', '127.0.0.1:0', '--state-dir', '/proc/lvsctl-state']);
    assert.strictEqual(code, 1);
    assert.match(stderr, /--state-dir \/proc\/lvsctl-state: cannot create or write it \(ENOENT\); run as root or choose another --state-dir/);
  });

  it('says a --listen address this host does not have is not one of its addresses (binding only: nothing is sent)', async () => {
    // 192.0.2.1: TEST-NET-1, on no interface here
    const { code, stderr } = await runAgent(['--role', 'realserver', '--insecure', '--listen', '192.0.2.1:0', '--state-dir', stateDir]);
    assert.strictEqual(code, 1);
    assert.match(stderr, /cannot listen on 192\.0\.2\.1:0: EADDRNOTAVAIL \(192\.0\.2\.1 is not an address of this host/);
    assert.doesNotMatch(stderr, /another agent/);
  });

  it('names a --crl that another CA signed', async () => {
    const other = join(stateDir, 'other-crl.pem');
    const { writeCrlOfCertDir } = await import('../../controller/certs/revocation-dir');
    const written = await writeCrlOfCertDir(join(pki.root, 'other'), new Date());
    copyFileSync(written.crl, other);
    const { code, stderr } = await runAgent(['--role', 'director', ...tlsArgs(), '--crl', other, '--listen', '127.0.0.1:0', '--state-dir', stateDir]);
    assert.strictEqual(code, 1);
    assert.match(stderr, /other-crl\.pem: was issued by "CN=lvsctl CA [^"]+", not by the CA .*cluster\/ca\.crt \("CN=lvsctl CA [^"]+"\) \(make it with `lvsctl certs crl DIR`/);
  });

  it('names a --crl of another CA with the same name (two CAs an earlier build made on one day): the signature tells them apart', async () => {
    const { X509Certificate } = await import('crypto');
    const { createCertificateAuthority } = await import('../../controller/certs/authority');
    const { writeCrlOfCertDir } = await import('../../controller/certs/revocation-dir');
    const name = new X509Certificate(readFileSync(pki.agent.ca)).subject.replace(/^CN=/, '');
    const twin = await createCertificateAuthority(name, new Date());
    const dir = join(stateDir, 'twin-ca');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'ca.crt'), twin.certPem);
    writeFileSync(join(dir, 'ca.key'), twin.keyPem, { mode: 0o600 });
    const written = await writeCrlOfCertDir(dir, new Date());
    const { code, stderr } = await runAgent(['--role', 'director', ...tlsArgs(), '--crl', written.crl, '--listen', '127.0.0.1:0', '--state-dir', stateDir]);
    assert.strictEqual(code, 1);
    assert.match(stderr, /twin-ca\/crl\.pem: is not signed by the CA .*cluster\/ca\.crt \(make it with `lvsctl certs crl DIR`/);
  });

  it('reloads its certificates and CRL on SIGHUP and keeps serving, then stops on SIGTERM', async () => {
    const agent = spawnAgent(['--role', 'director', ...tlsArgs(), '--crl', pki.crl, '--listen', '127.0.0.1:0', '--state-dir', stateDir]);
    try {
      const port = await agent.port();
      assert.ok((await helloTo(port)).length > 0);
      agent.child.kill('SIGHUP');
      const reloaded = await agent.lineOf('certificates reloaded');
      assert.deepStrictEqual(reloaded?.crl && typeof reloaded.crl === 'object' ? Object.keys(reloaded.crl) : [], ['revoked', 'thisUpdate']);
      assert.ok((await helloTo(port)).length > 0, 'still serving after the reload');
      agent.child.kill('SIGTERM');
      assert.strictEqual(await agent.exited, 0);
      const key = readFileSync(pki.agent.key, 'utf8').split('\n')[1];
      assert.doesNotMatch(agent.stdout(), /BEGIN|PRIVATE KEY/);
      assert.ok(!agent.stdout().includes(key), 'the key appears in the log');
    } finally {
      agent.end();
    }
  });

  it('goes on serving when its log reader goes away: the lines go to stderr, SIGTERM still exits 0', async () => {
    const agent = spawnAgent(['--role', 'realserver', ...tlsArgs(), '--listen', '127.0.0.1:0', '--state-dir', stateDir]);
    try {
      const port = await agent.port();
      // the reader goes; the reload's log line is the next write to stdout, and meets EPIPE
      agent.child.stdout?.destroy();
      agent.child.kill('SIGHUP');
      await agent.waitFor(() => agent.stderr().includes('log lines go to stderr from now on'));
      assert.strictEqual(agent.child.exitCode, null, `the agent ended: ${agent.stderr()}`);
      assert.ok((await helloTo(port)).length > 0, 'still serving');
      agent.child.kill('SIGTERM');
      assert.strictEqual(await agent.exited, 0);
      assert.match(agent.stderr(), /"message":"agent stopped"/);
      assert.doesNotMatch(agent.stderr(), /EPIPE/);
    } finally {
      agent.end();
    }
  });

  it('goes on serving when its log file\'s disk is full: the lines go to stderr, saying why, SIGTERM still exits 0', async () => {
    const full = openSync('/dev/full', 'w');
    const agent = spawnAgent(['--role', 'realserver', ...tlsArgs(), '--listen', '127.0.0.1:0', '--state-dir', stateDir], full);
    closeSync(full);
    try {
      const port = await agent.port();
      assert.match(agent.stderr(), /stdout failed under the agent \(ENOSPC: no space left on device, write\): log lines go to stderr from now on/);
      assert.ok((await helloTo(port)).length > 0, 'still serving');
      agent.child.kill('SIGTERM');
      assert.strictEqual(await agent.exited, 0);
      assert.match(agent.stderr(), /"message":"agent stopped"/);
      assert.doesNotMatch(agent.stderr(), /at writeSync|Error: ENOSPC/);
    } finally {
      agent.end();
    }
  });

  it('--help and --version on a full disk exit 1 saying their output is incomplete, with no stack trace', async () => {
    for (const flag of ['--help', '--version']) {
      const full = openSync('/dev/full', 'w');
      const agent = spawnAgent([flag], full);
      closeSync(full);
      try {
        assert.strictEqual(await agent.exited, 1, `${flag}: ${agent.stderr()}`);
        assert.strictEqual(agent.stderr(), 'lvsctl-agent: could not write to stdout (ENOSPC: no space left on device, write): what it printed there is incomplete\n');
      } finally {
        agent.end();
      }
    }
  });

  it('starts with mutual TLS and logs its certificate name, no key material', async () => {
    const { code, stdout } = await runAgent(
      ['--role', 'director', '--ca', pki.agent.ca, '--cert', pki.agent.cert, '--key', pki.agent.key, '--allow', 'controller',
        '--listen', '127.0.0.1:0', '--state-dir', stateDir],
      /"agent started"/,
    );
    assert.strictEqual(code, 0);
    const started = stdout.split('\n').map((l) => (l ? (JSON.parse(l) as Record<string, unknown>) : {})).find((l) => l.message === 'agent started');
    const tls = started?.tls as Record<string, unknown> | undefined;
    assert.deepStrictEqual({ ...tls, certificateExpires: undefined }, { certificate: 'lvs1', certificateExpires: undefined, allow: ['controller'] });
    assert.ok(!Number.isNaN(Date.parse(String(tls?.certificateExpires))), `certificateExpires: ${String(tls?.certificateExpires)}`);
    assert.doesNotMatch(stdout, /PRIVATE KEY/);
    assert.doesNotMatch(stdout, /any certificate the CA signed may call this agent/);
  });

  it('exports when its certificate expires on --metrics, from the certificate it serves', async () => {
    const agent = spawnAgent(['--role', 'realserver', ...tlsArgs(), '--allow', 'controller', '--listen', '127.0.0.1:0', '--state-dir', stateDir, '--metrics', '127.0.0.1:0']);
    try {
      const served = await agent.lineOf('metrics served');
      const started = await agent.lineOf('agent started');
      const expires = Date.parse(String((started?.tls as Record<string, unknown> | undefined)?.certificateExpires));
      const response = await fetch(String(served?.url));
      const text = await response.text();
      assert.match(text, new RegExp(`\\nlvsctl_tls_certificate_expiry_timestamp_seconds ${Math.floor(expires / 1000)}\\n`));
    } finally {
      agent.end();
    }
  });

  it('warns when it serves any certificate its CA signed (no --allow), naming the fix', async () => {
    const { code, stdout } = await runAgent(
      ['--role', 'realserver', '--ca', pki.agent.ca, '--cert', pki.agent.cert, '--key', pki.agent.key, '--listen', '127.0.0.1:0', '--state-dir', stateDir],
      /any certificate the CA signed/,
    );
    assert.strictEqual(code, 0);
    const warning = stdout.split('\n').map((l) => (l ? (JSON.parse(l) as Record<string, unknown>) : {})).find((l) => String(l.message).startsWith('any certificate the CA signed'));
    assert.strictEqual(warning?.level, 'warn');
    assert.match(String(warning?.message), /start it with --allow NAMES, the certificate names of the controllers/);
  });

  it('says in its start line whether V8\'s optimizing compiler runs, and why', async () => {
    const { code, stdout } = await runAgent(
      ['--role', 'realserver', '--insecure', '--listen', '127.0.0.1:0', '--state-dir', stateDir, '--optimizing-compiler', 'off'],
      /"agent started"/,
    );
    assert.strictEqual(code, 0);
    const started = stdout.split('\n').map((l) => (l ? (JSON.parse(l) as Record<string, unknown>) : {})).find((l) => l.message === 'agent started');
    assert.equal(started?.optimizingCompiler, 'off (--optimizing-compiler off)');
  });

  it('refuses an --optimizing-compiler it does not know, naming the choices', async () => {
    const { code, stderr } = await runAgent(['--role', 'director', '--insecure', '--optimizing-compiler', 'maybe']);
    assert.strictEqual(code, 1);
    assert.match(stderr, /lvsctl-agent: --optimizing-compiler "maybe": must be one of auto, on, off/);
  });
});
