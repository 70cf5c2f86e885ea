// The health checks a director runs against a realserver, one file each under checks/:
// tcp, http and https, udp, dns, exec. Each resolves with a ProbeResult and never
// rejects: a check that cannot even start (bad address, socket error) is a failed check
// with the reason, not an exception in the loop.
import type { HealthCheckSpec } from '../../lvs/host-plan';
import type { ProbeResult } from '../../lvs/health/types';
import { dnsCheck } from './checks/dns';
import { execCheck } from './checks/exec';
import { webCheck, type WebCheckOptions } from './checks/http';
import { tcpCheck, type TcpCheckOptions } from './checks/tcp';
import { udpCheck } from './checks/udp';

export { tcpCheck, type TcpCheckOptions };
export { webCheck };

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
      case 'udp':
        return udpCheck({ ...common, ...read, ...(spec.udp ?? { sendHex: '' }) });
      case 'dns':
        if (!spec.dns) return Promise.resolve({ ok: false, latencyMs: 0, detail: 'dns check without a question' });
        return dnsCheck({ ...common, ...read, ...spec.dns });
      case 'exec':
        if (!spec.exec) return Promise.resolve({ ok: false, latencyMs: 0, detail: 'exec check without a command' });
        return execCheck({ ...common, ...spec.exec, ...(options.execDir ? { allowedDir: options.execDir } : {}) });
    }
  };
}

/** The checks with exec checks off (tests, and an agent without --exec-checks). */
export const runHealthCheck: RunCheck = checkRunner();
