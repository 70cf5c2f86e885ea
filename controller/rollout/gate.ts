// The rule between the two phases: a director gets traffic only for realservers that
// passed. Pure: decides from the realservers' outcomes, and can rewrite a director's plan
// so that the realservers that did not pass are quiesced (weight 0) instead.
import type { ApplyMode } from '../../lvs/apply-events';
import type { DirectorPlan } from '../../lvs/host-plan';
import type { HostStatus } from './events';
import { realserversOf } from './selection';

/** A realserver's end state, as the gate needs it. */
export interface RealserverOutcome {
  host: string;
  status: HostStatus;
  mode: ApplyMode;
  readOnly: boolean;
  /** "check-arp_ignore net.ipv4.conf.all.arp_ignore", one per failed step */
  failedChecks: string[];
  reason?: string;
}

export interface Blocker {
  host: string;
  /** why it does not pass, naming the failed checks */
  why: string;
}

/**
 * A realserver passes when it is as wanted (ok) or was made so (changed). Checked
 * read-only outside --limit during a real apply, "changed" means it still needs
 * preparing, which this rollout will not do: it does not pass.
 */
export function realserverPassed(outcome: RealserverOutcome, rolloutMode: ApplyMode): boolean {
  if (outcome.status === 'ok') return true;
  if (outcome.status !== 'changed') return false;
  return !(outcome.readOnly && rolloutMode === 'apply');
}

function whyNotPassed(outcome: RealserverOutcome): string {
  switch (outcome.status) {
    case 'failed':
      return outcome.failedChecks.length > 0
        ? `failed ${outcome.failedChecks.length === 1 ? 'check' : `${outcome.failedChecks.length} checks:`} ${outcome.failedChecks.join(', ')}`
        : `failed: ${outcome.reason ?? 'no reason given'}`;
    case 'unreachable':
      return `unreachable: ${outcome.reason ?? 'no reason given'}`;
    case 'changed':
      return 'is outside --limit and still needs preparing (checked read-only)';
    default:
      return `was ${outcome.status}${outcome.reason ? `: ${outcome.reason}` : ''}`;
  }
}

/** The realservers of this director that did not pass; empty when it may be applied. */
export function blockersOf(
  director: DirectorPlan,
  outcomes: ReadonlyMap<string, RealserverOutcome>,
  rolloutMode: ApplyMode,
): Blocker[] {
  const blockers: Blocker[] = [];
  for (const host of realserversOf(director)) {
    const outcome = outcomes.get(host);
    if (!outcome) {
      blockers.push({ host, why: 'was not verified' });
    } else if (!realserverPassed(outcome, rolloutMode)) {
      blockers.push({ host, why: whyNotPassed(outcome) });
    }
  }
  return blockers;
}

export function describeBlockers(blockers: readonly Blocker[]): string {
  return blockers.map((b) => `realserver ${b.host} ${b.why}`).join('; ');
}

export interface QuiescedDestination {
  service: string;
  host: string;
}

/** The director's plan with every destination on one of `hosts` at weight 0 (kept, given no new connections). */
export function quiesceRealservers(
  plan: DirectorPlan,
  hosts: ReadonlySet<string>,
): { plan: DirectorPlan; quiesced: QuiescedDestination[] } {
  const quiesced: QuiescedDestination[] = [];
  const services = plan.services.map((s) => ({
    ...s,
    realservers: s.realservers.map((rs) => {
      if (!hosts.has(rs.host)) return rs;
      quiesced.push({ service: s.name, host: rs.host });
      return { ...rs, destination: { ...rs.destination, weight: 0 } };
    }),
  }));
  return { plan: { ...plan, services }, quiesced };
}
