// A plan's healthCheck options beyond port/path/status → the HostPlan's HealthCheckExtras.
// Pure; the schema and rules/health-check.ts have already refused what does not fit.
import type { DigestAlgorithm, HealthCheckExtras } from '../../lvs/health/check-options';
import { durationMs } from '../../lvs/duration';
import type { PlanHealthCheck } from './schema';

function ms(text: string | undefined): number | undefined {
  return text === undefined ? undefined : durationMs(text);
}

const textHex = (text: string): string => Buffer.from(text, 'utf8').toString('hex');

export function compileHealthExtras(hc: PlanHealthCheck): HealthCheckExtras {
  const connectTimeoutMs = ms(hc.connectTimeout);
  const readTimeoutMs = ms(hc.readTimeout);
  const web = hc.type === 'http' || hc.type === 'https';
  const statuses = Array.isArray(hc.expectStatus) ? hc.expectStatus : undefined;
  const [algorithm, digestHex] = hc.bodyDigest ? hc.bodyDigest.toLowerCase().split(':') : [];
  const http = web && (hc.host || statuses || hc.bodyRegex || hc.bodyDigest)
    ? {
      ...(hc.host ? { hostHeader: hc.host } : {}),
      ...(statuses ? { statuses: [...statuses] } : {}),
      ...(hc.bodyRegex ? { bodyRegex: hc.bodyRegex } : {}),
      ...(algorithm ? { bodyDigest: { algorithm: algorithm as DigestAlgorithm, hex: digestHex } } : {}),
    }
    : undefined;
  const udp = hc.udp;
  return {
    ...(connectTimeoutMs ? { connectTimeoutMs } : {}),
    ...(readTimeoutMs ? { readTimeoutMs } : {}),
    ...(http ? { http } : {}),
    ...(hc.type === 'https'
      ? { tls: { verify: hc.tls?.verify ?? false, ...(hc.tls?.caFile ? { caFile: hc.tls.caFile } : {}), ...(hc.tls?.serverName ? { serverName: hc.tls.serverName } : {}) } }
      : {}),
    ...(hc.type === 'udp'
      ? { udp: {
        sendHex: udp?.sendHex?.toLowerCase() ?? textHex(udp?.send ?? ''),
        ...(udp?.expectHex || udp?.expect ? { expectHex: udp.expectHex?.toLowerCase() ?? textHex(udp.expect ?? '') } : {}),
        ...(udp?.expectRegex ? { expectRegex: udp.expectRegex } : {}),
      } }
      : {}),
    ...(hc.type === 'dns' && hc.dns ? { dns: { name: hc.dns.name, recordType: hc.dns.type, ...(hc.dns.expect ? { expect: [...hc.dns.expect] } : {}) } } : {}),
    ...(hc.type === 'exec' && hc.exec
      ? { exec: {
        command: hc.exec.command,
        args: [...hc.exec.args],
        ...(hc.exec.uid !== undefined ? { uid: hc.exec.uid } : {}),
        ...(hc.exec.gid !== undefined ? { gid: hc.exec.gid } : {}),
      } }
      : {}),
  };
}
