// The address family of a service: its VIP's, or for a fwmark service its mark rules'.
import type { AddressFamily } from '../../../lvs/model';
import type { PlanService } from '../schema';
import { familyOf } from '../../../lvs/address';
import { rulesByMark } from './mark-usage';
import type { PlanView } from './view';

/** A function answering the family of each service, or undefined when it cannot be known. */
export function serviceFamilies(view: PlanView): (s: PlanService) => AddressFamily | undefined {
  const byMark = rulesByMark(view.marks);
  return (s) => {
    if (s.fwmark === undefined) return s.vip === undefined ? undefined : familyOf(s.vip);
    const first = byMark.get(s.fwmark)?.[0];
    const rule = first === undefined ? undefined : view.marks[first];
    return rule ? familyOf(rule.destination) : undefined;
  };
}
