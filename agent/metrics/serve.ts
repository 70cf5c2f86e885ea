// The --metrics endpoint: GET /metrics on the given ADDR:PORT (node http, nothing else served).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import type { Registry } from 'prom-client';

export interface MetricsServer {
  /** where it listens (the real port when 0 was asked for) */
  address: string;
  port: number;
  close(): Promise<void>;
}

/** "127.0.0.1:9400", "0.0.0.0:9400", "[::1]:9400" → address and port; a clear error otherwise. */
export function parseListen(listen: string): { address: string; port: number } {
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(listen) ?? /^([0-9.]+):(\d+)$/.exec(listen);
  const port = m ? Number(m[2]) : NaN;
  if (!m || isIP(m[1]) === 0 || !Number.isInteger(port) || port > 65535) {
    throw new Error(`--metrics "${listen}": expected ADDR:PORT with a numeric address, e.g. 127.0.0.1:9400 or [::1]:9400`);
  }
  return { address: m[1], port };
}

export async function serveMetrics(registry: Registry, listen: string): Promise<MetricsServer> {
  const { address, port } = parseListen(listen);
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found: metrics are at /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('only GET\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(req.method === 'HEAD' ? undefined : text),
      (err: unknown) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`metrics failed: ${err instanceof Error ? err.message : String(err)}\n`),
    );
  });
  // A scraper that stops mid-request must not hold a socket forever.
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`--metrics ${listen}: cannot listen (${err.code ?? err.message})${err.code === 'EADDRINUSE' ? ': the port is taken' : ''}`)));
    server.listen(port, address, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  return {
    address: bound.address,
    port: bound.port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
