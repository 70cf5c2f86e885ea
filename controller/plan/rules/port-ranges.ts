// Port specs that match "N" / "N:M" but still make no sense to iptables: ports outside
// 1..65535, ranges that run backwards, and more than 15 multiport slots in one rule.
import { toPointer, type PlanProblem } from '../errors';
import { MULTIPORT_SLOTS, multiportSlots, portSpecError } from './port-spec';
import type { PlanView } from './view';

export function portRangeProblems(view: PlanView): PlanProblem[] {
  const problems: PlanProblem[] = [];
  view.marks.forEach((m, j) => {
    if (!m) return;
    m.ports.forEach((spec, k) => {
      const error = portSpecError(spec);
      if (error) problems.push({ pointer: toPointer(['marks', j, 'ports', k]), message: error, hint: 'write a port 1..65535 or a range "N:M" with N <= M' });
    });
    const slots = multiportSlots(m.ports);
    if (m.ports.length > 1 && slots > MULTIPORT_SLOTS) {
      problems.push({
        pointer: toPointer(['marks', j, 'ports']),
        message: `takes ${slots} multiport slots, more than the ${MULTIPORT_SLOTS} iptables allows (a range "N:M" counts as two)`,
        hint: `split the ports over several rules with the same mark ${m.mark}`,
      });
    }
  });
  view.services.forEach((s, i) => {
    if (!s?.ftp) return;
    const error = portSpecError(s.ftp.passivePorts);
    if (error) {
      problems.push({
        pointer: toPointer(['services', i, 'ftp', 'passivePorts']),
        message: error,
        hint: 'write the FTP server\'s passive range, e.g. "10000:12000" (vsftpd pasv_min_port:pasv_max_port)',
      });
    }
  });
  return problems;
}
