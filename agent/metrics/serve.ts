// The --metrics endpoint: GET /metrics on the given ADDR:PORT (node http, nothing else served).
// It is plain HTTP that anyone who reaches the port may use, on an agent that steers traffic:
// renders are shared (shared-render.ts), connections are few, a client that stalls, in its
// request or in reading the answer, is cut off, and few pages are held for slow readers.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import type { MetricsPage } from './agent-metrics';
import { PAGE_REUSE_MS, shareRenders } from './shared-render';

export interface MetricsServer {
  /** where it listens (the real port when 0 was asked for) */
  address: string;
  port: number;
  close(): Promise<void>;
}

/** What the endpoint serves: agent-metrics.ts's page. */
export interface MetricsPageSource {
  render(): Promise<MetricsPage>;
}

/** The endpoint's bounds; the defaults suit a few Prometheus servers scraping every few seconds. */
export interface MetricsServeLimits {
  /** connections open at once; more are closed as they come */
  maxConnections: number;
  /** time a client has to send its request headers */
  headersTimeoutMs: number;
  /** time a connection may go without a byte moving either way, also while an answer is sent */
  idleTimeoutMs: number;
  /** how long a page made answers later scrapes */
  reuseMs: number;
  /** time one answer may take to send, however slowly the client reads */
  responseTimeoutMs: number;
  /** different pages being sent at once: a scrape that would need one more gets 503 */
  maxPagesInFlight: number;
}

export const METRICS_SERVE_LIMITS: MetricsServeLimits = {
  maxConnections: 16,
  headersTimeoutMs: 5_000,
  idleTimeoutMs: 30_000,
  reuseMs: PAGE_REUSE_MS,
  responseTimeoutMs: 60_000,
  maxPagesInFlight: 2,
};

/** "127.0.0.1:9400", "0.0.0.0:9400", "[::1]:9400" → address and port; a clear error otherwise. */
export function parseListen(listen: string): { address: string; port: number } {
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(listen) ?? /^([0-9.]+):(\d+)$/.exec(listen);
  const port = m ? Number(m[2]) : NaN;
  if (!m || isIP(m[1]) === 0 || !Number.isInteger(port) || port > 65535) {
    throw new Error(`--metrics "${listen}": expected ADDR:PORT with a numeric address, e.g. 127.0.0.1:9400 or [::1]:9400`);
  }
  return { address: m[1], port };
}

function sendPage(res: http.ServerResponse, page: MetricsPage, head: boolean): void {
  res.writeHead(200, { 'Content-Type': page.contentType, 'Content-Length': page.bytes });
  if (head) return void res.end();
  // the page's own Buffers, shared by every scrape that answers with it: nothing is copied
  for (const chunk of page.chunks) res.write(chunk);
  res.end();
}

export async function serveMetrics(source: MetricsPageSource, listen: string, limits: Partial<MetricsServeLimits> = {}): Promise<MetricsServer> {
  const { address, port } = parseListen(listen);
  const bounds = { ...METRICS_SERVE_LIMITS, ...limits };
  const page = shareRenders(() => source.render(), bounds.reuseMs);
  // the pages being sent now, each with how many answers send it
  const sending = new Map<MetricsPage, number>();
  const server = http.createServer({
    headersTimeout: bounds.headersTimeoutMs,
    requestTimeout: bounds.headersTimeoutMs * 2,
    // how often node looks for requests past those timeouts (its default, 30 s, would let a
    // stalled client hold a connection that long)
    connectionsCheckingInterval: Math.min(1_000, bounds.headersTimeoutMs),
  }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found: metrics are at /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('only GET\n');
      return;
    }
    page().then(
      (made) => {
        if (res.destroyed) return;
        // a client reading slowly keeps its page: at most maxPagesInFlight of them are kept so
        if (!sending.has(made) && sending.size >= bounds.maxPagesInFlight) {
          res.writeHead(503, { 'Content-Type': 'text/plain', 'Retry-After': '5' }).end('busy: earlier answers are still being sent; try again\n');
          return;
        }
        sending.set(made, (sending.get(made) ?? 0) + 1);
        const deadline = setTimeout(() => res.destroy(), bounds.responseTimeoutMs);
        res.once('close', () => {
          clearTimeout(deadline);
          const left = (sending.get(made) ?? 1) - 1;
          if (left === 0) sending.delete(made);
          else sending.set(made, left);
        });
        sendPage(res, made, req.method === 'HEAD');
      },
      (err: unknown) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`metrics failed: ${err instanceof Error ? err.message : String(err)}\n`),
    );
  });
  server.maxConnections = bounds.maxConnections;
  // a socket with no traffic this long is destroyed, also one that stopped reading its answer
  server.timeout = bounds.idleTimeoutMs;
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
