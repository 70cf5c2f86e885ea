// Health-check sanity: each option only with the check types it applies to, the options a
// type needs, timeouts that fit inside the interval and the whole check, and an explicit
// port where the service has no single port.
import { parseDurationMs } from '../compile';
import { toPointer, type PlanProblem } from '../errors';
import type { PlanHealthCheck } from '../schema';
import type { PlanView } from './view';

type Option = keyof PlanHealthCheck;

/** Which check types take an option; options not listed apply to every type. */
const OWNERS: Partial<Record<Option, readonly PlanHealthCheck['type'][]>> = {
  path: ['http', 'https'],
  host: ['http', 'https'],
  expectStatus: ['http', 'https'],
  bodyRegex: ['http', 'https'],
  bodyDigest: ['http', 'https'],
  tls: ['https'],
  udp: ['udp'],
  dns: ['dns'],
  exec: ['exec'],
  connectTimeout: ['tcp', 'http', 'https'],
  readTimeout: ['http', 'https', 'udp', 'dns'],
};

const WHY: Partial<Record<Option, string>> = {
  connectTimeout: 'it makes no TCP connection',
  readTimeout: 'it waits for no answer of its own (the whole check is bounded by "timeout")',
};

export function healthCheckProblems(view: PlanView): PlanProblem[] {
  const problems: PlanProblem[] = [];
  view.services.forEach((s, i) => {
    const hc = s?.healthCheck;
    if (!s || !hc) return;
    const at = (key: string): string => toPointer(['services', i, 'healthCheck', key]);
    for (const [option, owners] of Object.entries(OWNERS) as [Option, readonly PlanHealthCheck['type'][]][]) {
      if (hc[option] === undefined || owners.includes(hc.type)) continue;
      problems.push({
        pointer: at(option),
        message: `"${option}" does not apply to a "${hc.type}" check${WHY[option] ? `: ${WHY[option]}` : ''}`,
        hint: `use it with "type": ${owners.map((o) => `"${o}"`).join(' or ')}, or remove "${option}"`,
      });
    }
    if (hc.type === 'dns' && !hc.dns) {
      problems.push({ pointer: at('dns'), message: 'a "dns" check needs the question to ask', hint: 'add "dns": { "name": "www.example.com", "type": "A" }' });
    }
    if (hc.type === 'exec' && !hc.exec) {
      problems.push({ pointer: at('exec'), message: 'an "exec" check needs the command to run', hint: 'add "exec": { "command": "/usr/local/bin/check", "args": ["{address}"] }' });
    }
    if (hc.udp?.send !== undefined && hc.udp.sendHex !== undefined) {
      problems.push({ pointer: at('udp'), message: '"send" and "sendHex" are two ways to give the one payload', hint: 'keep one of them' });
    }
    if (hc.udp?.expect !== undefined && hc.udp.expectHex !== undefined) {
      problems.push({ pointer: at('udp'), message: '"expect" and "expectHex" are two ways to give the one expected reply', hint: 'keep one of them' });
    }
    if (hc.tls?.caFile !== undefined && !hc.tls.verify) {
      problems.push({ pointer: at('tls'), message: '"caFile" is only read when the certificate is verified', hint: 'add "verify": true, or remove "caFile"' });
    }
    const timeout = parseDurationMs(hc.timeout);
    if (timeout > parseDurationMs(hc.interval)) {
      problems.push({
        pointer: at('timeout'),
        message: `timeout ${hc.timeout} is longer than the interval ${hc.interval}: checks would pile up`,
        hint: 'make the timeout at most the interval, e.g. "interval": "1s", "timeout": "500ms"',
      });
    }
    for (const key of ['connectTimeout', 'readTimeout'] as const) {
      const value = hc[key];
      if (value !== undefined && parseDurationMs(value) > timeout) {
        problems.push({
          pointer: at(key),
          message: `${key} ${value} is longer than the whole check's timeout ${hc.timeout}, so it would never fire`,
          hint: `make "${key}" at most "timeout", or raise "timeout"`,
        });
      }
    }
    const needsPort = hc.type !== 'exec' && hc.type !== 'dns';
    if (needsPort && hc.port === undefined && (s.fwmark !== undefined || s.port === 0) && !s.ftp) {
      problems.push({
        pointer: toPointer(['services', i, 'healthCheck']),
        message: `a ${s.fwmark !== undefined ? 'firewall-mark' : 'port-0'} service has no single port to check`,
        hint: 'add "port" to the health check, e.g. "port": 80',
      });
    }
  });
  return problems;
}
