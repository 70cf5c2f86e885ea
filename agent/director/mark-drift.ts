// Drift in the owned mark chain: what is there that this agent did not write (a hand edit
// of LVSCTL-MARK, a second jump), and what it wrote that is gone. Pure; the applier reports
// each finding as a notice, and the next swap puts the planned chain back.
import { MARK_CHAIN, MARK_PARENT_CHAIN } from '../../lvs/formats/iptables-format';
import type { MarkState } from '../../lvs/mark-state';
import { markRuleString, type MarkRule } from '../../lvs/model';
import { markRuleIdentity } from './reconcile';

/** One line per finding, empty when the chain holds exactly what the agent last wrote. */
export function markChainDrift(actual: MarkState, written: readonly MarkRule[]): string[] {
  if (!actual.chainExists) {
    return written.length > 0 ? [`${MARK_CHAIN} is gone (lvsctl had written ${written.length} rule(s) there)`] : [];
  }
  const findings: string[] = [];
  if (actual.jumpCount === 0) findings.push(`${MARK_PARENT_CHAIN} no longer jumps to ${MARK_CHAIN}`);
  if (actual.jumpCount > 1) findings.push(`${MARK_PARENT_CHAIN} jumps to ${MARK_CHAIN} ${actual.jumpCount} times, not once`);

  // Multisets by identity: a rule written twice must be found twice.
  const unmatched = new Map<string, number>();
  for (const rule of written) unmatched.set(markRuleIdentity(rule), (unmatched.get(markRuleIdentity(rule)) ?? 0) + 1);
  for (const rule of actual.owned) {
    const id = markRuleIdentity(rule);
    const left = unmatched.get(id) ?? 0;
    if (left > 0) unmatched.set(id, left - 1);
    else findings.push(`a rule lvsctl did not write: ${markRuleString(rule)}`);
  }
  for (const line of actual.unparsed) findings.push(`a rule lvsctl did not write (and cannot read): ${line}`);
  for (const rule of written) {
    const id = markRuleIdentity(rule);
    const left = unmatched.get(id) ?? 0;
    if (left > 0) {
      unmatched.set(id, left - 1);
      findings.push(`a rule lvsctl wrote is missing: ${markRuleString(rule)}`);
    }
  }
  if (findings.length === 0 && !sameOrder(actual.owned, written)) findings.push(`the rules of ${MARK_CHAIN} are in another order than lvsctl wrote them`);
  return findings;
}

function sameOrder(a: readonly MarkRule[], b: readonly MarkRule[]): boolean {
  return a.length === b.length && a.every((rule, i) => markRuleIdentity(rule) === markRuleIdentity(b[i]));
}
