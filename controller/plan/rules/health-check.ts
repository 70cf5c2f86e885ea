// Health-check sanity: a path and an expected status only for HTTP checks, a timeout
// shorter than the interval, and an explicit port where the service has no single port.
import { parseDurationMs } from '../compile';
import { toPointer, type PlanProblem } from '../errors';
import type { PlanView } from './view';

export function healthCheckProblems(view: PlanView): PlanProblem[] {
  const problems: PlanProblem[] = [];
  view.services.forEach((s, i) => {
    const hc = s?.healthCheck;
    if (!s || !hc) return;
    const at = (key: string): string => toPointer(['services', i, 'healthCheck', key]);
    if (hc.type !== 'http') {
      if (hc.path !== undefined) {
        problems.push({ pointer: at('path'), message: `a "${hc.type}" check sends no request, so "path" does not apply`, hint: 'set "type": "http" or remove "path"' });
      }
      if (hc.expectStatus !== undefined) {
        problems.push({ pointer: at('expectStatus'), message: `a "${hc.type}" check gets no HTTP status, so "expectStatus" does not apply`, hint: 'set "type": "http" or remove "expectStatus"' });
      }
    }
    if (parseDurationMs(hc.timeout) > parseDurationMs(hc.interval)) {
      problems.push({
        pointer: at('timeout'),
        message: `timeout ${hc.timeout} is longer than the interval ${hc.interval}: checks would pile up`,
        hint: 'make the timeout at most the interval, e.g. "interval": "1s", "timeout": "500ms"',
      });
    }
    if (hc.port === undefined && (s.fwmark !== undefined || s.port === 0) && !s.ftp) {
      problems.push({
        pointer: toPointer(['services', i, 'healthCheck']),
        message: `a ${s.fwmark !== undefined ? 'firewall-mark' : 'port-0'} service has no single port to check`,
        hint: 'add "port" to the health check, e.g. "port": 80',
      });
    }
  });
  return problems;
}
