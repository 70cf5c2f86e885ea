// keepalived's HTTP_GET and SSL_GET: GET a path with a Host header (and SNI), healthy on the
// expected status(es) and, when asked, a body that matches a regex or has a digest. Without
// a body test only the status line and headers are read: the socket is destroyed as soon as
// they arrive. With one, at most MAX_CHECK_BODY_BYTES are read.
import { createHash, type Hash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type Socket } from 'node:net';
import { MAX_CHECK_BODY_BYTES, type HttpCheckOptions, type TlsCheckOptions } from '../../../lvs/health/check-options';
import { formatAddressPort } from '../../../lvs/model';
import type { ProbeResult } from '../../../lvs/health/types';
import { settleOnce, type CheckFrame } from './settle';

export interface WebCheckOptions extends HttpCheckOptions {
  address: string;
  port: number;
  path: string;
  /** the status that means healthy; 0 = any 2xx or 3xx (`statuses`, when given, wins) */
  expectStatus: number;
  timeoutMs: number;
  connectTimeoutMs?: number;
  readTimeoutMs?: number;
  /** present = https */
  tls?: TlsCheckOptions;
}

function statusVerdict(o: WebCheckOptions, status: number): string | undefined {
  if (o.statuses && o.statuses.length > 0) {
    return o.statuses.includes(status) ? undefined : `expected ${o.statuses.join(' or ')}`;
  }
  if (o.expectStatus) return status === o.expectStatus ? undefined : `expected ${o.expectStatus}`;
  return status >= 200 && status < 400 ? undefined : 'expected 2xx or 3xx';
}

function hostName(hostHeader: string): string {
  if (hostHeader.startsWith('[')) return hostHeader.slice(1, hostHeader.indexOf(']'));
  const colon = hostHeader.lastIndexOf(':');
  return colon > 0 && hostHeader.indexOf(':') === colon ? hostHeader.slice(0, colon) : hostHeader;
}

/** SNI: the plan's serverName, else the Host header's name when it is a name (TLS sends no address as SNI). */
function serverNameOf(o: WebCheckOptions, hostHeader: string): string | undefined {
  if (o.tls?.serverName) return o.tls.serverName;
  const name = hostName(hostHeader);
  return isIP(name) === 0 ? name : undefined;
}

export function webCheck(o: WebCheckOptions): Promise<ProbeResult> {
  const secure = o.tls !== undefined;
  const where = `GET ${secure ? 'https' : 'http'}://${formatAddressPort(o.address, o.port)}${o.path}`;
  const defaultPort = secure ? 443 : 80;
  const hostHeader = o.hostHeader ?? (o.port === defaultPort ? bracketed(o.address) : formatAddressPort(o.address, o.port));
  return settleOnce(o.timeoutMs, () => `${where}: no answer within ${o.timeoutMs} ms`, (frame) => {
    void start(o, frame, where, hostHeader);
  });
}

async function start(o: WebCheckOptions, frame: CheckFrame, where: string, hostHeader: string): Promise<void> {
  const { finish, onSettle, deadline } = frame;
  let ca: Buffer | undefined;
  if (o.tls?.verify && o.tls.caFile) {
    try {
      ca = await readFile(o.tls.caFile);
    } catch (err) {
      finish(false, `${where}: cannot read the CA file ${o.tls.caFile}: ${(err as Error).message}`);
      return;
    }
  }
  const servername = o.tls ? serverNameOf(o, hostHeader) : undefined;
  const base = {
    host: o.address,
    port: o.port,
    path: o.path,
    method: 'GET',
    agent: false as const,
    headers: { Host: hostHeader, Connection: 'close', 'User-Agent': 'lvsctl-health' },
  };
  const request = o.tls
    ? https.request({ ...base, rejectUnauthorized: o.tls.verify, ...(servername ? { servername } : {}), ...(ca ? { ca } : {}) })
    : http.request(base);
  onSettle(() => request.destroy());
  let cancelConnectDeadline: (() => void) | undefined;
  if (o.connectTimeoutMs !== undefined) {
    const connectMs = o.connectTimeoutMs;
    cancelConnectDeadline = deadline(connectMs, () => `${where}: no connection${o.tls ? ' and TLS handshake' : ''} within ${connectMs} ms`);
  }
  request.once('socket', (socket: Socket) => {
    socket.once(o.tls ? 'secureConnect' : 'connect', () => {
      // the connect deadline no longer applies; the read deadline starts now
      cancelConnectDeadline?.();
      if (o.readTimeoutMs !== undefined) {
        const readMs = o.readTimeoutMs;
        deadline(readMs, () => `${where}: connected, but no answer within ${readMs} ms`);
      }
    });
  });
  request.once('response', (response) => {
    const status = response.statusCode ?? 0;
    const wrong = statusVerdict(o, status);
    if (wrong) {
      finish(false, `${where}: status ${status}, ${wrong}`);
      return;
    }
    if (!o.bodyRegex && !o.bodyDigest) {
      finish(true, `${where}: status ${status}`);
      return;
    }
    readBody(o, response, (problem) => finish(problem === undefined, `${where}: status ${status}${problem ? `, ${problem}` : ', body as expected'}`));
  });
  request.on('error', (err) => finish(false, `${where}: ${err.message}`));
  request.end();
}

/** Reads at most MAX_CHECK_BODY_BYTES and judges the body; `done(undefined)` = as expected. */
function readBody(o: WebCheckOptions, response: http.IncomingMessage, done: (problem: string | undefined) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  const hash: Hash | undefined = o.bodyDigest ? createHash(o.bodyDigest.algorithm) : undefined;
  const judge = (): void => {
    if (o.bodyDigest) {
      if (over) return done(`body larger than ${MAX_CHECK_BODY_BYTES} bytes, too large for a digest`);
      const got = hash?.digest('hex');
      if (got !== o.bodyDigest.hex) return done(`${o.bodyDigest.algorithm} of the body is ${got}, expected ${o.bodyDigest.hex}`);
    }
    if (o.bodyRegex) {
      const text = Buffer.concat(chunks).toString('utf8');
      if (!new RegExp(o.bodyRegex).test(text)) return done(`body does not match /${o.bodyRegex}/${over ? ` (first ${MAX_CHECK_BODY_BYTES} bytes read)` : ''}`);
    }
    done(undefined);
  };
  response.on('data', (chunk: Buffer) => {
    if (over) return;
    const room = MAX_CHECK_BODY_BYTES - size;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    size += part.length;
    chunks.push(part);
    hash?.update(part);
    if (chunk.length > room) {
      over = true;
      response.destroy();
      judge();
    }
  });
  response.once('end', () => { if (!over) judge(); });
  response.once('error', (err) => done(`the body broke off: ${err.message}`));
}

function bracketed(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}
