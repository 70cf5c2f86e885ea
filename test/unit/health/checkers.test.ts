import assert from 'assert';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { httpCheck, runHealthCheck, tcpCheck } from '../../../agent/health/checkers';

/** Starts a server on 127.0.0.1:0 and returns its port and a way to close it (open sockets included). */
async function listen(server: net.Server): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}

/** A port on which nothing listens: bind one, note it, close it. */
async function closedPort(): Promise<number> {
  const s = await listen(net.createServer());
  await s.close();
  return s.port;
}

describe('tcp health check', () => {
  it('passes against a listening server and closes the connection', async () => {
    let closedByCheck = false;
    const server = net.createServer((socket) => socket.on('close', () => { closedByCheck = true; }));
    const s = await listen(server);
    try {
      const r = await tcpCheck({ address: '127.0.0.1', port: s.port, timeoutMs: 1000 });
      assert.strictEqual(r.ok, true, r.detail);
      assert.ok(r.latencyMs >= 0 && r.latencyMs < 1000);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.ok(closedByCheck, 'the check must not leave its connection open');
    } finally {
      await s.close();
    }
  });

  it('fails on a closed port with the reason', async () => {
    const port = await closedPort();
    const r = await tcpCheck({ address: '127.0.0.1', port, timeoutMs: 1000 });
    assert.strictEqual(r.ok, false);
    assert.match(r.detail, new RegExp(`tcp 127\\.0\\.0\\.1:${port}: connect ECONNREFUSED`));
  });

  it('fails, without throwing, on an address that is not one', async () => {
    const r = await tcpCheck({ address: 'not an address', port: 80, timeoutMs: 500 });
    assert.strictEqual(r.ok, false);
  });
});

describe('http health check', () => {
  let server: http.Server;
  let port = 0;
  let close: () => Promise<void>;
  const seen: { path?: string; host?: string }[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      seen.push({ path: req.url, host: req.headers.host });
      if (req.url === '/ok') return res.end('fine');
      if (req.url === '/moved') { res.writeHead(302, { Location: '/ok' }); return res.end(); }
      if (req.url === '/broken') { res.writeHead(500); return res.end('boom'); }
      if (req.url === '/teapot') { res.writeHead(418); return res.end(); }
      if (req.url === '/endless') {
        res.writeHead(200);
        const timer = setInterval(() => res.write('x'.repeat(65536)), 1);
        res.on('close', () => clearInterval(timer));
        return;
      }
      // '/silent': accept and never answer
    });
    ({ port, close } = await listen(server));
  });
  after(() => close());

  const check = (path: string, expectStatus = 0, timeoutMs = 1000) =>
    httpCheck({ address: '127.0.0.1', port, path, expectStatus, timeoutMs });

  it('passes on 200 and sends the path and a Host header', async () => {
    const r = await check('/ok');
    assert.strictEqual(r.ok, true, r.detail);
    assert.deepStrictEqual(seen.at(-1), { path: '/ok', host: `127.0.0.1:${port}` });
    assert.strictEqual(r.detail, `GET http://127.0.0.1:${port}/ok: status 200`);
  });

  it('passes on a 3xx', async () => {
    assert.strictEqual((await check('/moved')).ok, true);
  });

  it('fails on a 500, saying what it expected', async () => {
    const r = await check('/broken');
    assert.strictEqual(r.ok, false);
    assert.match(r.detail, /status 500, expected 2xx or 3xx/);
  });

  it('with expectStatus, passes on exactly that status and fails on a 200', async () => {
    assert.strictEqual((await check('/teapot', 418)).ok, true);
    const r = await check('/ok', 418);
    assert.strictEqual(r.ok, false);
    assert.match(r.detail, /status 200, expected 418/);
  });

  it('times out a server that never answers, within the bound', async () => {
    const started = Date.now();
    const r = await check('/silent', 0, 200);
    const took = Date.now() - started;
    assert.strictEqual(r.ok, false);
    assert.match(r.detail, /no answer within 200 ms/);
    assert.ok(took >= 190 && took < 1000, `took ${took} ms`);
  });

  it('ignores an endless body: answers as soon as the status is known', async () => {
    const r = await check('/endless', 0, 2000);
    assert.strictEqual(r.ok, true, r.detail);
    assert.ok(r.latencyMs < 1000);
  });

  it('fails on a closed port with the reason', async () => {
    const p = await closedPort();
    const r = await httpCheck({ address: '127.0.0.1', port: p, path: '/', expectStatus: 0, timeoutMs: 1000 });
    assert.strictEqual(r.ok, false);
    assert.match(r.detail, /ECONNREFUSED/);
  });

  it('runs the check a plan spec names', async () => {
    const spec = { type: 'http' as const, port, path: '/broken', expectStatus: 0, intervalMs: 1000, timeoutMs: 500, fall: 3, rise: 2 };
    assert.strictEqual((await runHealthCheck(spec, '127.0.0.1')).ok, false);
    assert.strictEqual((await runHealthCheck({ ...spec, type: 'tcp' }, '127.0.0.1')).ok, true);
  });
});
