// Rule 5: every fwmark service has mark rules and every mark is used by a service; and
// the rules of one mark are of one address family (IPVS keeps a fwmark service per family).
import { toPointer, type PlanProblem } from '../errors';
import type { PlanMark } from '../schema';
import { familyName } from './address';
import { familyOf } from '../../../lvs/address';
import type { PlanView } from './view';

/** mark → indexes of its rules in `marks` */
export function rulesByMark(marks: ReadonlyArray<PlanMark | undefined>): Map<number, number[]> {
  const result = new Map<number, number[]>();
  marks.forEach((m, j) => {
    if (!m) return;
    const list = result.get(m.mark);
    if (list) list.push(j);
    else result.set(m.mark, [j]);
  });
  return result;
}

export function markUsageProblems(view: PlanView): PlanProblem[] {
  const problems: PlanProblem[] = [];
  const byMark = rulesByMark(view.marks);
  const usedMarks = new Set<number>();
  view.services.forEach((s, i) => {
    if (s?.fwmark === undefined) return;
    usedMarks.add(s.fwmark);
    if (view.complete.marks && !byMark.has(s.fwmark)) {
      problems.push({
        pointer: toPointer(['services', i, 'fwmark']),
        message: `fwmark ${s.fwmark} has no rule in "marks": no packet would ever reach this service`,
        hint: `add to "marks" e.g. { "mark": ${s.fwmark}, "protocol": "tcp", "destination": "10.0.0.100", "ports": ["80", "443"] }`,
      });
    }
  });
  if (view.complete.services) {
    for (const [mark, indexes] of byMark) {
      if (usedMarks.has(mark)) continue;
      problems.push({
        pointer: toPointer(['marks', indexes[0], 'mark']),
        message: `mark ${mark} is used by no service: packets marked ${mark} would not be balanced`,
        hint: `add a service with "fwmark": ${mark}, or remove this rule`,
      });
    }
  }
  for (const [mark, indexes] of byMark) {
    const first = view.marks[indexes[0]];
    if (!first) continue;
    const family = familyOf(first.destination);
    for (const j of indexes) {
      const rule = view.marks[j];
      if (!rule || familyOf(rule.destination) === family) continue;
      problems.push({
        pointer: toPointer(['marks', j, 'destination']),
        message: `mark ${mark} mixes ${familyName(familyOf(rule.destination))} (${rule.destination}) with ${familyName(family)} (/marks/${indexes[0]}: ${first.destination})`,
        hint: 'an IPVS fwmark service is of one address family: use another mark for the other family',
      });
    }
  }
  return problems;
}
