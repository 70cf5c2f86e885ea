import assert from 'assert';
import http from 'node:http';
import net from 'node:net';
import type { MetricsPage } from '../../../agent/metrics/agent-metrics';
import { createAgentMetrics } from '../../../agent/metrics/agent-metrics';
import { parseListen, serveMetrics, type MetricsServer, type MetricsServeLimits } from '../../../agent/metrics/serve';

function get(port: number, path: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the metrics endpoint', () => {
  let server: MetricsServer;
  before(async () => {
    const metrics = createAgentMetrics();
    metrics.recordApply('changed', 0.5);
    server = await serveMetrics(metrics, '127.0.0.1:0');
  });
  after(() => server.close());

  it('serves the page on GET /metrics, in the Prometheus text format', async () => {
    const r = await get(server.port, '/metrics');
    assert.strictEqual(r.status, 200);
    assert.match(r.type, /^text\/plain; version=0\.0\.4/);
    assert.match(r.body, /\nlvsctl_apply_total\{outcome="changed"\} 1\n/);
  });

  it('listens on the address it was given', () => {
    assert.strictEqual(server.address, '127.0.0.1');
  });

  it('answers 404 elsewhere and 405 to a POST', async () => {
    assert.strictEqual((await get(server.port, '/')).status, 404);
    assert.strictEqual((await get(server.port, '/metrics', 'POST')).status, 405);
  });

  it('refuses a listen address it cannot use, saying what it wants', () => {
    for (const bad of ['9400', 'localhost:9400', '127.0.0.1:99999', '::1:9400']) {
      assert.throws(() => parseListen(bad), /expected ADDR:PORT with a numeric address, e\.g\. 127\.0\.0\.1:9400/, bad);
    }
    assert.deepStrictEqual(parseListen('[::1]:9400'), { address: '::1', port: 9400 });
  });

  it('says when the port is taken', async () => {
    await assert.rejects(serveMetrics(createAgentMetrics(), `127.0.0.1:${server.port}`), /cannot listen \(EADDRINUSE\): the port is taken/);
  });

  it('stops listening on close()', async () => {
    const other = await serveMetrics(createAgentMetrics(), '127.0.0.1:0');
    await other.close();
    await assert.rejects(get(other.port, '/metrics'), /ECONNREFUSED/);
  });
});

/** A page source that counts its renders; each render takes `ms`. */
function countingSource(page: MetricsPage, ms = 20): { render(): Promise<MetricsPage>; renders: number } {
  const source = {
    renders: 0,
    render: async () => {
      source.renders++;
      await new Promise((resolve) => setTimeout(resolve, ms));
      return page;
    },
  };
  return source;
}

const smallPage = (text: string): MetricsPage => ({ contentType: 'text/plain; version=0.0.4', chunks: [Buffer.from(text)], bytes: Buffer.byteLength(text) });

/** Resolves when the socket closes; rejects after `ms` if it stays open. */
function closedWithin(socket: net.Socket, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server kept the connection open ${ms} ms`)), ms);
    socket.on('close', () => { clearTimeout(timer); resolve(); });
    socket.on('error', () => undefined);
  });
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/**
 * A client asks for a 64 MiB page and does not read for pauseMs, long past the limits given;
 * then it reads what the kernel's buffers still hold: the connection ends, the rest never comes.
 */
async function assertCutOffMidAnswer(limits: Partial<MetricsServeLimits>, pauseMs: number): Promise<void> {
  const big = Buffer.alloc(64 * 1024 * 1024, 'x');
  const page: MetricsPage = { contentType: 'text/plain', chunks: [big], bytes: big.length };
  const server = await serveMetrics(countingSource(page), '127.0.0.1:0', limits);
  const socket = await connect(server.port);
  try {
    socket.pause();
    socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    let received = 0;
    socket.on('data', (chunk: Buffer) => { received += chunk.length; });
    const closed = closedWithin(socket, 5_000);
    socket.resume();
    await closed;
    assert.ok(received < big.length / 2, `received ${received} of ${big.length} bytes`);
  } finally {
    socket.destroy();
    await server.close();
  }
}

describe('the metrics endpoint under load and against a stalling client', () => {
  it('answers 20 scrapes at once with one render, and renders again once the page is older than reuseMs', async () => {
    const source = countingSource(smallPage('lvsctl_ipvs_up 1\n'));
    const server = await serveMetrics(source, '127.0.0.1:0', { reuseMs: 50, maxConnections: 32 });
    try {
      const answers = await Promise.all(Array.from({ length: 20 }, () => get(server.port, '/metrics')));
      assert.deepStrictEqual(new Set(answers.map((a) => `${a.status} ${a.body}`)), new Set(['200 lvsctl_ipvs_up 1\n']));
      assert.strictEqual(source.renders, 1);
      await new Promise((resolve) => setTimeout(resolve, 120));
      await get(server.port, '/metrics');
      assert.strictEqual(source.renders, 2);
    } finally {
      await server.close();
    }
  });

  it('closes connections beyond maxConnections as they come', async () => {
    const server = await serveMetrics(countingSource(smallPage('x 1\n')), '127.0.0.1:0', { maxConnections: 2 });
    const held = [await connect(server.port), await connect(server.port)];
    try {
      const third = await connect(server.port);
      await closedWithin(third, 5_000);
    } finally {
      for (const s of held) s.destroy();
      await server.close();
    }
  });

  it('cuts off a client that never finishes its request headers', async () => {
    const server = await serveMetrics(countingSource(smallPage('x 1\n')), '127.0.0.1:0', { headersTimeoutMs: 200 });
    const socket = await connect(server.port);
    try {
      socket.resume();
      socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\n');
      await closedWithin(socket, 5_000);
    } finally {
      socket.destroy();
      await server.close();
    }
  });

  it('cuts off a client that reads its answer too slowly, whatever it reads now and then', async () => {
    await assertCutOffMidAnswer({ idleTimeoutMs: 60_000, responseTimeoutMs: 300 }, 1_000);
  });

  it('holds at most maxPagesInFlight pages for slow readers: a scrape that needs another gets 503', async () => {
    const big = (): MetricsPage => {
      const body = Buffer.alloc(32 * 1024 * 1024, 'x');
      return { contentType: 'text/plain', chunks: [body], bytes: body.length };
    };
    const server = await serveMetrics({ render: async () => big() }, '127.0.0.1:0', { reuseMs: 1, maxPagesInFlight: 2 });
    const slow: net.Socket[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const socket = await connect(server.port);
        socket.pause();
        socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n');
        slow.push(socket);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const third = await get(server.port, '/metrics');
      assert.strictEqual(third.status, 503);
      assert.match(third.body, /busy: earlier answers are still being sent/);
      for (const s of slow) s.destroy();
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.strictEqual((await new Promise<number>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: server.port, path: '/metrics', method: 'HEAD', agent: false }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
        req.on('error', reject);
        req.end();
      })), 200);
    } finally {
      for (const s of slow) s.destroy();
      await server.close();
    }
  });

  it('cuts off a client that stops reading a large page', async () => {
    await assertCutOffMidAnswer({ idleTimeoutMs: 300 }, 1_500);
  });
});
