// The checks at keepalived's level against real servers on loopback: https with a
// throwaway certificate (SNI, verify or not, CA file), Host and status sets, body regex and
// digests, separate connect and read timeouts, udp echo, a tiny DNS responder, exec.
import assert from 'assert';
import { execFile } from 'node:child_process';
import { createHash, pbkdf2 } from 'node:crypto';
import dgram from 'node:dgram';
import { chmod, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TLSSocket } from 'node:tls';
import { createCertificateAuthority, issueCertificate } from '../../../controller/certs/authority';
import { checkRunner, runHealthCheck } from '../../../agent/health/checkers';
import { describeAnswers } from '../../../agent/health/checks/dns';
import { execCheck } from '../../../agent/health/checks/exec';
import { MAX_CHECK_BODY_BYTES } from '../../../lvs/health/check-options';
import type { HealthCheckSpec } from '../../../lvs/host-plan';
import { startDnsResponder, type DnsResponder } from './dns-responder';

const base = { port: 0, path: '', expectStatus: 0, intervalMs: 2000, timeoutMs: 1500, fall: 3, rise: 2 };
const spec = (s: Partial<HealthCheckSpec> & Pick<HealthCheckSpec, 'type'>): HealthCheckSpec => ({ ...base, ...s });

async function listenOn(server: http.Server | https.Server): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}

const BODY = 'service OK: all backends answering\n';

function handler(seen: { host?: string; path?: string; sni?: string }[]) {
  return (req: http.IncomingMessage, res: http.ServerResponse): void => {
    seen.push({ host: req.headers.host, path: req.url, sni: (req.socket as TLSSocket).servername || undefined });
    if (req.url === '/teapot') { res.writeHead(418); res.end('short and stout'); return; }
    if (req.url === '/slow') { setTimeout(() => { res.writeHead(200); res.end(BODY); }, 800); return; }
    if (req.url === '/huge') {
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 'x');
      let sent = 0;
      const pump = (): void => { while (sent < MAX_CHECK_BODY_BYTES * 2 && res.write(chunk)) sent += chunk.length; if (sent < MAX_CHECK_BODY_BYTES * 2) res.once('drain', () => { sent += chunk.length; pump(); }); else res.end(); };
      pump();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(BODY);
  };
}

describe('https health check (a throwaway CA and certificate on loopback)', () => {
  let dir: string;
  let caFile: string;
  let server: { port: number; close: () => Promise<void> };
  const seen: { host?: string; path?: string; sni?: string }[] = [];

  before(async () => {
    const now = new Date(Date.now() - 60_000);
    const ca = await createCertificateAuthority('checks-test-ca', now);
    const cert = await issueCertificate(ca, { name: 'web.example.test', ips: ['127.0.0.1'], dnsNames: ['web.example.test'] }, now);
    dir = await mkdtemp(path.join(tmpdir(), 'lvsctl-https-check-'));
    caFile = path.join(dir, 'ca.pem');
    await writeFile(caFile, ca.certPem);
    server = await listenOn(https.createServer({ cert: cert.certPem, key: cert.keyPem }, handler(seen)));
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('without verify, passes against a certificate no root signed, and sends the Host as SNI', async () => {
    const r = await runHealthCheck(spec({ type: 'https', port: server.port, path: '/health', http: { hostHeader: 'web.example.test' }, tls: { verify: false } }), '127.0.0.1');
    assert.strictEqual(r.ok, true, r.detail);
    assert.match(r.detail, new RegExp(`GET https://127\\.0\\.0\\.1:${server.port}/health: status 200`));
    assert.deepStrictEqual(seen[seen.length - 1], { host: 'web.example.test', path: '/health', sni: 'web.example.test' });
  });

  it('with verify and no CA file, fails: the built-in roots do not know the throwaway CA', async () => {
    const r = await runHealthCheck(spec({ type: 'https', port: server.port, path: '/', tls: { verify: true } }), '127.0.0.1');
    assert.strictEqual(r.ok, false);
    assert.match(r.detail, /self-signed|unable to get local issuer|unable to verify/i);
  });

  it('with verify and the CA file, passes; a server name the certificate does not carry fails', async () => {
    const ok = await runHealthCheck(spec({ type: 'https', port: server.port, path: '/', tls: { verify: true, caFile, serverName: 'web.example.test' } }), '127.0.0.1');
    assert.strictEqual(ok.ok, true, ok.detail);
    assert.strictEqual(seen[seen.length - 1].sni, 'web.example.test');
    const wrong = await runHealthCheck(spec({ type: 'https', port: server.port, path: '/', tls: { verify: true, caFile, serverName: 'other.example.test' } }), '127.0.0.1');
    assert.strictEqual(wrong.ok, false);
    assert.match(wrong.detail, /other\.example\.test|altnames/i);
  });

  it('a CA file that does not exist fails the check with its path', async () => {
    const r = await runHealthCheck(spec({ type: 'https', port: server.port, path: '/', tls: { verify: true, caFile: path.join(dir, 'missing.pem') } }), '127.0.0.1');
    assert.strictEqual(r.ok, false);
    assert.match(r.detail, /cannot read the CA file .*missing\.pem/);
  });

  it('an https check against plain http fails', async () => {
    const plain = await listenOn(http.createServer(handler([])));
    try {
      const r = await runHealthCheck(spec({ type: 'https', port: plain.port, path: '/', tls: { verify: false } }), '127.0.0.1');
      assert.strictEqual(r.ok, false);
    } finally {
      await plain.close();
    }
  });
});

describe('http health check: status sets, body regex and digest, connect and read timeouts', () => {
  let server: { port: number; close: () => Promise<void> };
  const seen: { host?: string; path?: string }[] = [];
  before(async () => { server = await listenOn(http.createServer(handler(seen))); });
  after(() => server.close());
  const web = (s: Partial<HealthCheckSpec>): HealthCheckSpec => spec({ type: 'http', port: server.port, path: '/', ...s });

  it('sends the Host header it is given', async () => {
    assert.strictEqual((await runHealthCheck(web({ http: { hostHeader: 'shop.example.test:8080' } }), '127.0.0.1')).ok, true);
    assert.strictEqual(seen[seen.length - 1].host, 'shop.example.test:8080');
  });

  it('a set of statuses: 418 passes when listed, 200 fails when not', async () => {
    assert.strictEqual((await runHealthCheck(web({ path: '/teapot', http: { statuses: [200, 418] } }), '127.0.0.1')).ok, true);
    const r = await runHealthCheck(web({ http: { statuses: [204, 418] } }), '127.0.0.1');
    assert.strictEqual(r.ok, false);
    assert.match(r.detail, /status 200, expected 204 or 418/);
  });

  it('a body regex passes when it matches and fails, naming it, when not', async () => {
    assert.strictEqual((await runHealthCheck(web({ http: { bodyRegex: 'all backends? answering' } }), '127.0.0.1')).ok, true);
    const r = await runHealthCheck(web({ http: { bodyRegex: '^maintenance' } }), '127.0.0.1');
    assert.strictEqual(r.ok, false);
    assert.match(r.detail, /body does not match \/\^maintenance\//);
  });

  it('md5 and sha256 digests of the body, as keepalived\'s genhash prints them', async () => {
    const md5 = createHash('md5').update(BODY).digest('hex');
    const sha = createHash('sha256').update(BODY).digest('hex');
    assert.strictEqual((await runHealthCheck(web({ http: { bodyDigest: { algorithm: 'md5', hex: md5 } } }), '127.0.0.1')).ok, true);
    assert.strictEqual((await runHealthCheck(web({ http: { bodyDigest: { algorithm: 'sha256', hex: sha } } }), '127.0.0.1')).ok, true);
    const r = await runHealthCheck(web({ http: { bodyDigest: { algorithm: 'md5', hex: '0'.repeat(32) } } }), '127.0.0.1');
    assert.strictEqual(r.ok, false);
    assert.match(r.detail, new RegExp(`md5 of the body is ${md5}, expected 0{32}`));
  });

  it('reads at most 1 MiB of a body: a digest of a larger one fails, a regex looks at the first MiB', async () => {
    const digest = await runHealthCheck(web({ path: '/huge', timeoutMs: 1500, http: { bodyDigest: { algorithm: 'md5', hex: '0'.repeat(32) } } }), '127.0.0.1');
    assert.strictEqual(digest.ok, false);
    assert.match(digest.detail, /body larger than 1048576 bytes/);
    const regex = await runHealthCheck(web({ path: '/huge', http: { bodyRegex: '^x+$' } }), '127.0.0.1');
    assert.strictEqual(regex.ok, true, regex.detail);
  });

  it('a read timeout shorter than the answer fails at the read timeout, not the overall one', async () => {
    const r = await runHealthCheck(web({ path: '/slow', timeoutMs: 1500, readTimeoutMs: 200 }), '127.0.0.1');
    assert.strictEqual(r.ok, false);
    assert.match(r.detail, /connected, but no answer within 200 ms/);
    assert.ok(r.latencyMs < 700, `took ${r.latencyMs} ms`);
    assert.strictEqual((await runHealthCheck(web({ path: '/slow', timeoutMs: 1500, readTimeoutMs: 1200 }), '127.0.0.1')).ok, true);
  });

  it('a connect timeout bounds the connect and TLS handshake alone: a server that accepts and says nothing fails at it', async () => {
    const mute = net.createServer(() => undefined);
    const m = await listenOn(mute as unknown as http.Server);
    try {
      const r = await runHealthCheck(spec({ type: 'https', port: m.port, path: '/', timeoutMs: 1500, connectTimeoutMs: 200, tls: { verify: false } }), '127.0.0.1');
      assert.strictEqual(r.ok, false);
      assert.match(r.detail, /no connection and TLS handshake within 200 ms/);
      assert.ok(r.latencyMs < 700, `took ${r.latencyMs} ms`);
    } finally {
      await m.close();
    }
  });

  it('a connect timeout ends with the connect: an answer slower than it but within the read timeout passes', async () => {
    const r = await runHealthCheck(web({ path: '/slow', timeoutMs: 1500, connectTimeoutMs: 200, readTimeoutMs: 1200 }), '127.0.0.1');
    assert.strictEqual(r.ok, true, r.detail);
  });

  it('a connect timeout does not turn a refused connect into a timeout', async () => {
    const closed = await listenOn(http.createServer());
    await closed.close();
    const r = await runHealthCheck(spec({ type: 'tcp', port: closed.port, timeoutMs: 1500, connectTimeoutMs: 150 }), '127.0.0.1');
    assert.strictEqual(r.ok, false);
    assert.match(r.detail, /ECONNREFUSED/);
  });
});

describe('udp health check (an echo server on loopback)', () => {
  let echo: dgram.Socket;
  let port = 0;
  before(async () => {
    echo = dgram.createSocket('udp4');
    echo.on('message', (msg, peer) => { if (msg.toString() !== 'quiet') echo.send(Buffer.concat([Buffer.from('echo:'), msg]), peer.port, peer.address); });
    await new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', resolve));
    port = (echo.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => echo.close(() => resolve())));
  const udp = (u: NonNullable<HealthCheckSpec['udp']>, s: Partial<HealthCheckSpec> = {}): HealthCheckSpec => spec({ type: 'udp', port, udp: u, ...s });

  it('passes on any reply, on a reply that starts with the bytes, and on one that matches the regex', async () => {
    const ping = Buffer.from('ping').toString('hex');
    assert.strictEqual((await runHealthCheck(udp({ sendHex: ping }), '127.0.0.1')).ok, true);
    assert.strictEqual((await runHealthCheck(udp({ sendHex: ping, expectHex: Buffer.from('echo:').toString('hex') }), '127.0.0.1')).ok, true);
    assert.strictEqual((await runHealthCheck(udp({ sendHex: ping, expectRegex: '^echo:p.ng$' }), '127.0.0.1')).ok, true);
  });

  it('fails on a reply of other bytes, naming what came', async () => {
    const r = await runHealthCheck(udp({ sendHex: '00ff', expectHex: 'abcd' }), '127.0.0.1');
    assert.strictEqual(r.ok, false);
    assert.match(r.detail, /reply 0x6563686f3a00ff does not start with 0xabcd/);
  });

  it('fails at the read timeout when nothing answers', async () => {
    const r = await runHealthCheck(udp({ sendHex: Buffer.from('quiet').toString('hex') }, { readTimeoutMs: 150 }), '127.0.0.1');
    assert.strictEqual(r.ok, false);
    assert.match(r.detail, /no reply within 150 ms/);
  });

  it('fails at once on a closed port (ICMP port unreachable on the connected socket)', async () => {
    const closed = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => closed.bind(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const r = await runHealthCheck(spec({ type: 'udp', port: closedPort, timeoutMs: 1500, udp: { sendHex: '00' } }), '127.0.0.1');
    assert.strictEqual(r.ok, false);
    assert.match(r.detail, /ECONNREFUSED/);
    assert.ok(r.latencyMs < 1000, `took ${r.latencyMs} ms`);
  });
});

describe('dns health check (a tiny DNS responder on loopback)', () => {
  let dns: DnsResponder;
  before(async () => {
    dns = await startDnsResponder({
      'www.example.test': ['10.0.0.100', '10.0.0.101'],
      'many.example.test': Array.from({ length: 20 }, (_, i) => `10.0.1.${i + 1}`),
    });
  });
  after(() => dns.close());
  const ask = (d: NonNullable<HealthCheckSpec['dns']>, s: Partial<HealthCheckSpec> = {}): HealthCheckSpec => spec({ type: 'dns', port: dns.port, dns: d, ...s });

  it('passes when the server answers the question, and asks exactly it', async () => {
    const r = await runHealthCheck(ask({ name: 'www.example.test', recordType: 'A' }), '127.0.0.1');
    assert.strictEqual(r.ok, true, r.detail);
    assert.match(r.detail, /10\.0\.0\.100, 10\.0\.0\.101/);
    assert.strictEqual(dns.questions[dns.questions.length - 1], 'www.example.test 1');
  });

  it('with expect, passes only when every expected answer is there', async () => {
    assert.strictEqual((await runHealthCheck(ask({ name: 'www.example.test', recordType: 'A', expect: ['10.0.0.101'] }), '127.0.0.1')).ok, true);
    const r = await runHealthCheck(ask({ name: 'www.example.test', recordType: 'A', expect: ['10.0.0.9'] }), '127.0.0.1');
    assert.strictEqual(r.ok, false);
    assert.match(r.detail, /missing 10\.0\.0\.9/);
  });

  it('names the first five answers of many and how many there were, so the detail stays one short line', async () => {
    const r = await runHealthCheck(ask({ name: 'many.example.test', recordType: 'A' }), '127.0.0.1');
    assert.strictEqual(r.ok, true, r.detail);
    assert.match(r.detail, /: 10\.0\.1\.1, 10\.0\.1\.2, 10\.0\.1\.3, 10\.0\.1\.4, 10\.0\.1\.5 and 15 more \(20 answers\)$/);
  });

  it('shows an answer\'s control characters as "?" and cuts a long one short', () => {
    assert.strictEqual(describeAnswers(['a\u001b[31mred', 'x'.repeat(150)]), `a?[31mred, ${'x'.repeat(100)}…`);
  });

  it('fails on NXDOMAIN and on REFUSED, saying which', async () => {
    const nx = await runHealthCheck(ask({ name: 'nowhere.example.test', recordType: 'A' }), '127.0.0.1');
    assert.strictEqual(nx.ok, false);
    assert.match(nx.detail, /ENOTFOUND/);
    const refused = await runHealthCheck(ask({ name: 'www.example.test', recordType: 'MX' }), '127.0.0.1');
    assert.strictEqual(refused.ok, false);
    assert.match(refused.detail, /EREFUSED/);
  });

  it('fails within the read timeout when the server is silent', async () => {
    dns.silent = true;
    try {
      const r = await runHealthCheck(ask({ name: 'www.example.test', recordType: 'A' }, { readTimeoutMs: 200 }), '127.0.0.1');
      assert.strictEqual(r.ok, false);
      assert.match(r.detail, /no answer within/);
      assert.ok(r.latencyMs < 1400, `took ${r.latencyMs} ms`);
    } finally {
      dns.silent = false;
    }
  });
});

describe('exec health check', () => {
  let dir: string;
  let script: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'lvsctl-exec-check-'));
    script = path.join(dir, 'check.sh');
    await writeFile(script, [
      '#!/bin/sh',
      'echo "checking $1 port $2 as $(id -u)"',
      'case "$3" in',
      '  fail) echo "db down" >&2; exit 2 ;;',
      '  hang) sleep 30 & echo $! > "$(dirname "$0")/hang.pid"; sleep 30 ;;',
      '  chatty) head -c 200000 /dev/zero ;;',
      '  escape) setsid sleep 30 & echo $! > "$(dirname "$0")/escape.pid"; sleep 30 ;;',
      '  flood) sh -c \'echo $$ > "$0"; head -c 200000 /dev/zero; sleep 30\' "$(dirname "$0")/flood.pid" & wait ;;',
      'esac',
      'exit 0',
    ].join('\n'));
    await chmod(script, 0o755);
  });
  after(() => rm(dir, { recursive: true, force: true }));
  const run = (s: HealthCheckSpec, address: string) => checkRunner({ execDir: dir })(s, address);
  const exec = (mode: string, s: Partial<HealthCheckSpec> = {}): HealthCheckSpec =>
    spec({ type: 'exec', port: 8080, exec: { command: script, args: ['{address}', '{port}', mode] }, ...s });

  /** the process whose pid the script wrote is dead (gone, or a zombie no one has reaped yet) */
  const assertGone = async (pidFile: string): Promise<void> => {
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    assert.ok(pid > 1, `no pid in ${pidFile}`);
    let state = '';
    for (let i = 0; i < 20; i++) {
      state = await readFile(`/proc/${pid}/stat`, 'utf8').then((t) => t.slice(t.lastIndexOf(')') + 2, t.lastIndexOf(')') + 3), () => 'gone');
      if (state === 'gone' || state === 'Z') return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    process.kill(pid, 'SIGKILL');
    assert.fail(`the check's grandchild ${pid} still runs (state ${state})`);
  };

  it('passes on exit 0, with "{address}" and "{port}" filled in, no shell between', async () => {
    const r = await run(exec('ok'), '10.0.0.11');
    assert.strictEqual(r.ok, true, r.detail);
    assert.match(r.detail, /exit 0: checking 10\.0\.0\.11 port 8080 as \d+/);
  });

  it('fails on another exit status, with the last line it printed', async () => {
    const r = await run(exec('fail'), '10.0.0.11');
    assert.strictEqual(r.ok, false);
    assert.match(r.detail, /exit 2: db down/);
  });

  it('kills the whole process group at the timeout (a grandchild holding the pipe too)', async () => {
    const r = await run(exec('hang', { timeoutMs: 300 }), '10.0.0.11');
    assert.strictEqual(r.ok, false);
    assert.match(r.detail, /still running after 300 ms, killed/);
    assert.ok(r.latencyMs < 1000, `took ${r.latencyMs} ms`);
    await assertGone(path.join(dir, 'hang.pid'));
  });

  it('fails a command that prints more than 64 KiB', async () => {
    const r = await run(exec('chatty'), '10.0.0.11');
    assert.strictEqual(r.ok, false);
    assert.match(r.detail, /printed more than 65536 bytes/);
  });

  it('at the output limit kills the group too: a grandchild that printed it does not outlive the check', async () => {
    const r = await run(exec('flood', { timeoutMs: 5000 }), '10.0.0.11');
    assert.strictEqual(r.ok, false);
    assert.match(r.detail, /printed more than 65536 bytes/);
    assert.ok(r.latencyMs < 2000, `took ${r.latencyMs} ms`);
    await assertGone(path.join(dir, 'flood.pid'));
  });

  it('starts nothing when its deadline passed while the command was still being looked up (a busy thread pool)', async () => {
    const pidFile = path.join(dir, 'hang.pid');
    await rm(pidFile, { force: true });
    // libuv's 4 threads busy: the check's realpath waits behind them, past its 50 ms
    const busy = Array.from({ length: 4 }, () => new Promise((resolve) => pbkdf2('x', 'y', 400_000, 32, 'sha512', resolve)));
    const r = await run(exec('hang', { timeoutMs: 50 }), '10.0.0.11');
    await Promise.all(busy);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const ran = await readFile(pidFile, 'utf8').then((t) => Number(t.trim()), () => undefined);
    if (ran) process.kill(ran, 'SIGKILL');
    assert.strictEqual(r.ok, false);
    assert.strictEqual(ran, undefined, 'the command was started after its check had ended, and nothing killed it');
  });

  it('lets go of its pipes when the check ends, even while a command that left the group (setsid) still holds them', async () => {
    const pipes = () => process.getActiveResourcesInfo().filter((r) => r === 'PipeWrap').length;
    const before = pipes();
    const r = await run(exec('escape', { timeoutMs: 300 }), '10.0.0.11');
    const escapee = Number((await readFile(path.join(dir, 'escape.pid'), 'utf8')).trim());
    try {
      assert.strictEqual(r.ok, false);
      assert.match(r.detail, /still running after 300 ms, killed/);
      let open = pipes() - before;
      for (let i = 0; i < 20 && open > 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        open = pipes() - before;
      }
      assert.strictEqual(open, 0, `the agent still holds ${open} pipe(s) of the ended check`);
    } finally {
      if (escapee > 1) process.kill(escapee, 'SIGKILL');
    }
  });

  it('runs as the configured uid and gid', async function () {
    if (process.getuid?.() !== 0) this.skip(); // below: the refusal a user (or a capability-less root) gets
    const r = await run(exec('ok', { exec: { command: script, args: ['a', '1', 'ok'], uid: 65534, gid: 65534 } }), '10.0.0.11');
    // nobody cannot read a 0700 tmpdir: either it ran as 65534 or it was refused for that reason
    assert.match(r.detail, /as 65534|EACCES|Permission denied/, r.detail);
  });

  it('says why a check run as exec.uid cannot be reached (EACCES: a directory above it that user cannot enter) and where to keep it', async function () {
    if (process.getuid?.() !== 0) this.skip(); // only root switches to another uid
    // the check directory is a mkdtemp one, 0700: nobody cannot enter it
    await chmod(dir, 0o700);
    const r = await run(exec('ok', { exec: { command: script, args: [], uid: 65534, gid: 65534 } }), '10.0.0.11');
    assert.strictEqual(r.ok, false);
    assert.match(r.detail, /could not run it as uid 65534 \(.*EACCES.*\): that user cannot search a directory above the command, or run it .*e\.g\. \/etc\/lvsctl-checks, 0755/, r.detail);
  });

  it('fails, naming the capabilities, a check it may not run as exec.uid (EPERM), and the agent goes on', async () => {
    // spawn throws EPERM (no 'error' event) when setuid is refused. The agent's unit without
    // CAP_SETUID/CAP_SETGID, played by a root whose bounding set lacks them (or by a user).
    const self = process.getuid?.() ?? 0;
    const uid = self === 65534 ? 65533 : 65534;
    const module = path.join(__dirname, '../../../agent/health/checks/exec.js');
    // a check directory of its own (a system directory is refused before any uid is tried)
    const dir = await mkdtemp(path.join(tmpdir(), 'lvsctl-exec-eperm-'));
    const script = path.join(dir, 'true.sh');
    await writeFile(script, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const code = `require(${JSON.stringify(module)}).execCheck({ command: ${JSON.stringify(script)}, args: [], address: '10.0.0.11', port: 80, timeoutMs: 5000, allowedDir: ${JSON.stringify(dir)}, uid: ${uid}, gid: ${uid} })` +
      `.then((r) => setTimeout(() => console.log(JSON.stringify(r)), 50))`;
    const [file, args] = self === 0 ? ['setpriv', ['--bounding-set', '-setuid,-setgid', process.execPath, '-e', code]] : [process.execPath, ['-e', code]];
    let stdout: string;
    try {
      ({ stdout } = await promisify(execFile)(file, args, { timeout: 10_000 }));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const result = JSON.parse(stdout) as { ok: boolean; detail: string };
    assert.strictEqual(result.ok, false);
    assert.match(result.detail, new RegExp(`exec ${script.replace(/[.]/g, '\\.')}: could not run it as uid ${uid} and gid ${uid} \\(.*EPERM.*\\): the agent needs CAP_SETUID and CAP_SETGID`), result.detail);
  });

  it('refuses every command when --exec-checks is a symbolic link to a system directory (/usr/bin through a link is /usr/bin)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'lvsctl-exec-link-'));
    try {
      const link = path.join(dir, 'checks');
      await symlink('/usr/bin', link);
      const result = await execCheck({ command: path.join(link, 'true'), args: [], address: '10.0.0.11', port: 80, timeoutMs: 5000, allowedDir: link });
      assert.strictEqual(result.ok, false);
      assert.match(result.detail, /the agent's --exec-checks directory .*\/checks resolves to \/usr\/bin: \/usr\/bin holds programs that are not check scripts/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a command outside --exec-checks, and every command when the agent has none', async () => {
    const outside = await run(spec({ type: 'exec', exec: { command: '/bin/true', args: [] } }), '10.0.0.11');
    assert.strictEqual(outside.ok, false);
    assert.match(outside.detail, /not inside the agent's --exec-checks directory/);
    const off = await runHealthCheck(exec('ok'), '10.0.0.11');
    assert.strictEqual(off.ok, false);
    assert.match(off.detail, /exec checks are off on this agent: start lvsctl-agent with --exec-checks DIR/);
  });
});
