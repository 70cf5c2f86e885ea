// The health checks a director runs against a realserver, one file each under checks/:
// tcp, http and https, udp, dns, exec. Each resolves with a ProbeResult and never
// rejects: a check that cannot even start (bad address, socket error) is a failed check
// with the reason, not an exception in the loop.
import type { HealthCheckSpec } from '../../lvs/host-plan';
import type { ProbeResult } from '../../lvs/health/types';
// The http(s), udp, dns and exec checks are loaded at their first use (node's http, https,
// dgram and dns with them: about 1.5 MiB an agent without such checks never needs).
import type { WebCheckOptions } from './checks/http';
import { tcpCheck, type TcpCheckOptions } from './checks/tcp';

export { tcpCheck, type TcpCheckOptions };

/** An HTTP or HTTPS check (checks/http.ts), loaded at its first use. */
export async function webCheck(options: WebCheckOptions): Promise<ProbeResult> {
  return (await import('./checks/http')).webCheck(options);
}

export interface HttpCheckOptions extends TcpCheckOptions {
  path: string;
  /** the status that means healthy; 0 = any 2xx or 3xx */
  expectStatus: number;
  /** Host header; defaults to the realserver's address (and port when not 80) */
  hostHeader?: string;
}

/** A plain HTTP GET (webCheck without TLS). */
export function httpCheck(options: HttpCheckOptions): Promise<ProbeResult> {
  return webCheck(options);
}

/** Runs the check a plan's HealthCheckSpec asks for against one realserver address. */
export type RunCheck = (spec: HealthCheckSpec, address: string) => Promise<ProbeResult>;

export interface CheckRunnerOptions {
  /** the agent's --exec-checks directory: exec checks run only commands inside it; absent = off */
  execDir?: string;
}

export function checkRunner(options: CheckRunnerOptions = {}): RunCheck {
  return (spec, address) => {
    const common = { address, port: spec.port, timeoutMs: spec.timeoutMs };
    const connect = spec.connectTimeoutMs !== undefined ? { connectTimeoutMs: spec.connectTimeoutMs } : {};
    const read = spec.readTimeoutMs !== undefined ? { readTimeoutMs: spec.readTimeoutMs } : {};
    switch (spec.type) {
      case 'tcp':
        return tcpCheck({ ...common, ...connect });
      case 'http':
      case 'https': {
        const web: WebCheckOptions = {
          ...common, ...connect, ...read, ...spec.http,
          path: spec.path || '/', expectStatus: spec.expectStatus,
          ...(spec.type === 'https' ? { tls: spec.tls ?? { verify: false } } : {}),
        };
        return webCheck(web);
      }
      case 'udp': {
        const udp = spec.udp ?? { sendHex: '' };
        return import('./checks/udp').then(({ udpCheck }) => udpCheck({ ...common, ...read, ...udp }));
      }
      case 'dns': {
        const dns = spec.dns;
        if (!dns) return Promise.resolve({ ok: false, latencyMs: 0, detail: 'dns check without a question' });
        return import('./checks/dns').then(({ dnsCheck }) => dnsCheck({ ...common, ...read, ...dns }));
      }
      case 'exec': {
        const exec = spec.exec;
        if (!exec) return Promise.resolve({ ok: false, latencyMs: 0, detail: 'exec check without a command' });
        return import('./checks/exec').then(({ execCheck }) => execCheck({ ...common, ...exec, ...(options.execDir ? { allowedDir: options.execDir } : {}) }));
      }
    }
  };
}

/** The checks with exec checks off (tests, and an agent without --exec-checks). */
export const runHealthCheck: RunCheck = checkRunner();
