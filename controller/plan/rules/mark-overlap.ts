// Rule 6: rules of different marks must not overlap (same protocol, destination and
// port): a packet matching both would get whichever mark iptables sets last. Rules are
// grouped by (protocol, destination) and swept by port, so the check is O(n log n).
// The in-interface is not considered: a rule without one matches every interface.
import { toPointer, type PlanProblem } from '../errors';
import { canonicalAddress } from '../../../lvs/address';
import { formatInterval, parsePortSpec, type PortInterval } from './port-spec';
import type { PlanView } from './view';

interface Span extends PortInterval {
  mark: number;
  rule: number;
  spec: number;
}

function spansByTarget(view: PlanView): Map<string, Span[]> {
  const groups = new Map<string, Span[]>();
  view.marks.forEach((m, rule) => {
    if (!m) return;
    const key = `${m.protocol} ${canonicalAddress(m.destination)}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    m.ports.forEach((text, spec) => {
      const interval = parsePortSpec(text);
      if (interval) group.push({ ...interval, mark: m.mark, rule, spec });
    });
  });
  return groups;
}

export function markOverlapProblems(view: PlanView): PlanProblem[] {
  const problems: PlanProblem[] = [];
  const reported = new Set<string>();
  for (const spans of spansByTarget(view).values()) {
    spans.sort((a, b) => a.from - b.from || a.to - b.to);
    // The span reaching furthest so far, and the furthest-reaching one of another mark:
    // together they find, for each span, an earlier span of a different mark that it overlaps.
    let reach: Span | undefined;
    let otherReach: Span | undefined;
    for (const span of spans) {
      const rival = reach && reach.mark !== span.mark ? reach : otherReach;
      if (rival && rival.mark !== span.mark && rival.to >= span.from) {
        const pair = `${rival.rule}/${span.rule}`;
        if (!reported.has(pair)) {
          reported.add(pair);
          const m = view.marks[span.rule];
          const shared = formatInterval({ from: span.from, to: Math.min(span.to, rival.to) });
          problems.push({
            pointer: toPointer(['marks', span.rule, 'ports', span.spec]),
            message: `${m?.protocol} ${m?.destination} port ${shared} is marked ${span.mark} here and ${rival.mark} by /marks/${rival.rule}`,
            hint: 'a packet can carry one mark: give each port to one mark (one service), or use the same mark',
          });
        }
      }
      if (!reach || span.to > reach.to) {
        if (reach && reach.mark !== span.mark) otherReach = reach;
        reach = span;
      } else if (span.mark !== reach.mark && (!otherReach || span.to > otherReach.to)) {
        otherReach = span;
      }
    }
  }
  return problems;
}
