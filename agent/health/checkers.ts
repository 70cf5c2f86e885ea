// The two health checks a director runs against a realserver: a TCP connect and an HTTP
// GET. Each resolves with a ProbeResult and never rejects: a check that cannot even start
// (bad address, socket error) is a failed check with the reason, not an exception in the loop.
import http from 'node:http';
import net from 'node:net';
import type { HealthCheckSpec } from '../../lvs/host-plan';
import { formatAddressPort } from '../../lvs/model';
import type { ProbeResult } from '../../lvs/health/types';

export interface TcpCheckOptions {
  address: string;
  port: number;
  timeoutMs: number;
}

export interface HttpCheckOptions extends TcpCheckOptions {
  path: string;
  /** the status that means healthy; 0 = any 2xx or 3xx */
  expectStatus: number;
  /** Host header; defaults to the realserver's address (and port when not 80) */
  hostHeader?: string;
}

/** Runs the check a plan's HealthCheckSpec asks for against one realserver address. */
export type RunCheck = (spec: HealthCheckSpec, address: string) => Promise<ProbeResult>;

export const runHealthCheck: RunCheck = (spec, address) =>
  spec.type === 'http'
    ? httpCheck({ address, port: spec.port, path: spec.path || '/', expectStatus: spec.expectStatus, timeoutMs: spec.timeoutMs })
    : tcpCheck({ address, port: spec.port, timeoutMs: spec.timeoutMs });

/** Healthy when a TCP connection is established within the timeout; the connection is closed at once. */
export function tcpCheck(options: TcpCheckOptions): Promise<ProbeResult> {
  const { address, port, timeoutMs } = options;
  const where = formatAddressPort(address, port);
  return settleOnce((finish, started) => {
    const socket = net.connect({ host: address, port });
    const timer = setTimeout(() => {
      socket.destroy();
      finish(false, `tcp ${where}: no connection within ${timeoutMs} ms`);
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      finish(true, `tcp ${where}: connected in ${Math.round(elapsedMs(started))} ms`);
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      socket.destroy();
      finish(false, `tcp ${where}: ${err.message}`);
    });
  });
}

/**
 * Healthy when a GET of `path` answers, within the timeout, with 2xx/3xx (or exactly
 * `expectStatus` when it is set). Only the status line and headers are read: the socket is
 * destroyed as soon as they arrive, so a large or endless body costs nothing.
 */
export function httpCheck(options: HttpCheckOptions): Promise<ProbeResult> {
  const { address, port, path, expectStatus, timeoutMs } = options;
  const where = `http://${formatAddressPort(address, port)}${path}`;
  const hostHeader = options.hostHeader ?? (port === 80 ? hostOnly(address) : formatAddressPort(address, port));
  return settleOnce((finish) => {
    const request = http.request({
      host: address,
      port,
      path,
      method: 'GET',
      agent: false,
      headers: { Host: hostHeader, Connection: 'close', 'User-Agent': 'lvsctl-health' },
    });
    // One timer for the whole exchange (connect + headers), not node's idle-socket timeout.
    const timer = setTimeout(() => {
      request.destroy();
      finish(false, `GET ${where}: no answer within ${timeoutMs} ms`);
    }, timeoutMs);
    request.once('response', (response) => {
      clearTimeout(timer);
      const status = response.statusCode ?? 0;
      request.destroy();
      const healthy = expectStatus ? status === expectStatus : status >= 200 && status < 400;
      const wanted = expectStatus ? `${expectStatus}` : '2xx or 3xx';
      finish(healthy, `GET ${where}: status ${status}${healthy ? '' : `, expected ${wanted}`}`);
    });
    request.on('error', (err) => {
      clearTimeout(timer);
      finish(false, `GET ${where}: ${err.message}`);
    });
    request.end();
  });
}

type Finish = (ok: boolean, detail: string) => void;

/** Wraps a check so that it resolves exactly once, with its latency, and never rejects. */
function settleOnce(run: (finish: Finish, started: bigint) => void): Promise<ProbeResult> {
  return new Promise<ProbeResult>((resolve) => {
    const started = process.hrtime.bigint();
    let done = false;
    const finish: Finish = (ok, detail) => {
      if (done) return;
      done = true;
      resolve({ ok, latencyMs: elapsedMs(started), detail });
    };
    try {
      run(finish, started);
    } catch (err) {
      finish(false, err instanceof Error ? err.message : String(err));
    }
  });
}

function elapsedMs(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function hostOnly(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}
