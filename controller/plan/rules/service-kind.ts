// Rules 2 and 3: a service is a port service (vip + port) or a firewall-mark service,
// never both, never neither; and port 0 (all ports, PCC) only with persistence.
import { toPointer, type PlanProblem } from '../errors';
import type { PlanService } from '../schema';
import type { PlanView } from './view';
import { appendAll } from '../../../lvs/append';

function kindProblems(s: PlanService, i: number): PlanProblem[] {
  const at = (...keys: string[]): string => toPointer(['services', i, ...keys]);
  if (s.fwmark !== undefined) {
    const extra = (['vip', 'port', 'protocol'] as const).filter((k) => s[k] !== undefined);
    return extra.map((k) => ({
      pointer: at(k),
      message: k === 'protocol'
        ? `a firewall-mark service takes no "protocol": fwmark ${s.fwmark} takes the packets its mark rules mark, of whatever protocol they match`
        : `a firewall-mark service takes no "${k}": it is fwmark ${s.fwmark} and a port service at once`,
      hint: k === 'protocol'
        ? 'remove "protocol"; the mark rules say which packets are marked'
        : `remove "vip" and "port" to keep the fwmark service, or "fwmark" to make it a port service`,
    }));
  }
  if (s.vip === undefined && s.port === undefined) {
    return [{
      pointer: at(),
      message: 'is neither a port service nor a firewall-mark service',
      hint: 'add "vip" and "port" (e.g. "vip": "10.0.0.100", "port": 80), or "fwmark" with matching "marks" rules',
    }];
  }
  if (s.vip === undefined) {
    return [{ pointer: at('vip'), message: 'a port service needs "vip"', hint: 'add "vip": the virtual IP clients connect to, e.g. "10.0.0.100"' }];
  }
  if (s.port === undefined) {
    return [{ pointer: at('port'), message: 'a port service needs "port"', hint: 'add "port", e.g. 80, or 0 for all ports (with persistence)' }];
  }
  return [];
}

function portZeroProblems(s: PlanService, i: number): PlanProblem[] {
  if (s.fwmark !== undefined || s.port !== 0 || s.persistence) return [];
  return [{
    pointer: toPointer(['services', i, 'port']),
    message: 'port 0 (all ports) needs persistence: IPVS refuses a non-persistent port-0 service',
    hint: 'add "persistence": { "timeout": 360 }, or give a single port',
  }];
}

export function serviceKindProblems(view: PlanView): PlanProblem[] {
  const problems: PlanProblem[] = [];
  view.services.forEach((s, i) => {
    if (!s) return;
    appendAll(appendAll(problems, kindProblems(s, i)), portZeroProblems(s, i));
  });
  return problems;
}
