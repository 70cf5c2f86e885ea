// Rule 7: FTP needs its control connection and its passive data connections to reach the
// same realserver. So: persistence, and (for a fwmark service) mark rules covering the
// control port and the whole passive range on every destination. A port service covers
// that only as port 0, or as NAT on port 21 where the kernel's ip_vs_ftp helper opens
// the data connections (reported as a warning, since lvsctl cannot see the module).
import { toPointer, type PlanProblem } from '../errors';
import type { PlanMark, PlanService } from '../schema';
import { canonicalAddress } from '../../../lvs/address';
import { rulesByMark } from './mark-usage';
import { parsePortSpec, uncovered, type PortInterval } from './port-spec';
import type { PlanView } from './view';
import { appendAll } from '../../../lvs/append';

/** The IANA FTP control port, the one ip_vs_ftp watches unless loaded with other ports. */
const FTP_HELPER_PORT = 21;

type Ftp = NonNullable<PlanService['ftp']>;

function fwmarkCoverage(view: PlanView, s: PlanService, i: number, ftp: Ftp, rules: number[]): PlanProblem[] {
  const passive = parsePortSpec(ftp.passivePorts);
  const wanted: PortInterval[] = [{ from: ftp.controlPort, to: ftp.controlPort }, ...(passive ? [passive] : [])];
  // Per destination: the classic set-up of one VIP for marks is checked VIP by VIP.
  const byDestination = new Map<string, { shown: string; intervals: PortInterval[] }>();
  for (const j of rules) {
    const m = view.marks[j] as PlanMark;
    if (m.protocol !== 'tcp') continue;
    const key = canonicalAddress(m.destination);
    let entry = byDestination.get(key);
    if (!entry) byDestination.set(key, (entry = { shown: m.destination, intervals: [] }));
    for (const spec of m.ports) {
      const interval = parsePortSpec(spec);
      if (interval) entry.intervals.push(interval);
    }
  }
  if (byDestination.size === 0) {
    return [{
      pointer: toPointer(['services', i, 'fwmark']),
      message: `FTP service "${s.name}": mark ${s.fwmark} has no tcp rule, FTP runs over tcp`,
      hint: `add { "mark": ${s.fwmark}, "protocol": "tcp", "destination": VIP, "ports": ["${ftp.controlPort}", "${ftp.passivePorts}"] }`,
    }];
  }
  const problems: PlanProblem[] = [];
  for (const { shown, intervals } of byDestination.values()) {
    const missing = wanted.flatMap((w) => uncovered(intervals, w));
    if (missing.length === 0) continue;
    problems.push({
      pointer: toPointer(['services', i, 'ftp']),
      message: `FTP service "${s.name}": mark ${s.fwmark} rules for ${shown} leave out port${missing.length > 1 || missing[0].includes(':') ? 's' : ''} ${missing.join(', ')}: those connections would not reach the realserver that holds the session`,
      hint: `mark the control port ${ftp.controlPort} and the whole passive range ${ftp.passivePorts} with mark ${s.fwmark}, e.g. "ports": ["${ftp.controlPort}", "${ftp.passivePorts}"]`,
    });
  }
  return problems;
}

function portServiceCoverage(s: PlanService, i: number, ftp: Ftp): PlanProblem[] {
  if (s.port === 0) return []; // all ports of the VIP, persistent: control and data go together
  if (s.forwarding === 'nat' && s.port === FTP_HELPER_PORT && ftp.controlPort === FTP_HELPER_PORT) {
    return [{
      pointer: toPointer(['services', i, 'ftp']),
      severity: 'warning',
      message: `FTP service "${s.name}" is NAT on port 21: passive data connections rely on the kernel's ip_vs_ftp helper`,
      hint: 'make sure the directors load it with modprobe ip_vs_ftp; or use a fwmark service marking 21 and the passive range',
    }];
  }
  return [{
    pointer: toPointer(['services', i, 'ftp']),
    message: `FTP service "${s.name}" balances only port ${s.port}: its passive data connections (${ftp.passivePorts}) would not follow the control connection`,
    hint: `use a fwmark service whose mark rules cover ports ${ftp.controlPort} and ${ftp.passivePorts}, or port 0 with persistence, or NAT on port 21 with ip_vs_ftp`,
  }];
}

export function ftpProblems(view: PlanView): PlanProblem[] {
  const problems: PlanProblem[] = [];
  const byMark = rulesByMark(view.marks);
  view.services.forEach((s, i) => {
    if (!s?.ftp) return;
    if (!s.persistence) {
      problems.push({
        pointer: toPointer(['services', i, 'persistence']),
        message: `FTP service "${s.name}" needs persistence: without it the data connection lands on another realserver and every transfer fails`,
        hint: 'add "persistence": { "timeout": 360 }',
      });
    }
    if (s.fwmark !== undefined) {
      const rules = byMark.get(s.fwmark);
      // No rules at all is the mark-usage rule's to report.
      if (rules && view.complete.marks) appendAll(problems, fwmarkCoverage(view, s, i, s.ftp, rules));
    } else if (s.port !== undefined && s.vip !== undefined) {
      appendAll(problems, portServiceCoverage(s, i, s.ftp));
    }
  });
  return problems;
}
