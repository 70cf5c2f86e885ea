import assert from 'assert';
import http from 'node:http';
import { createAgentMetrics } from '../../../agent/metrics/agent-metrics';
import { parseListen, serveMetrics, type MetricsServer } from '../../../agent/metrics/serve';

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
    server = await serveMetrics(metrics.registry, '127.0.0.1:0');
  });
  after(() => server.close());

  it('serves the registry on GET /metrics, in the Prometheus text format', async () => {
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
    await assert.rejects(serveMetrics(createAgentMetrics().registry, `127.0.0.1:${server.port}`), /cannot listen \(EADDRINUSE\): the port is taken/);
  });

  it('stops listening on close()', async () => {
    const other = await serveMetrics(createAgentMetrics().registry, '127.0.0.1:0');
    await other.close();
    await assert.rejects(get(other.port, '/metrics'), /ECONNREFUSED/);
  });
});
