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
  failedChecks: FailedChecks;
  reason?: string;
}

/** A host's failed steps: how many, and the names of the first ones (ledger.ts). */
export interface FailedChecks {
  count: number;
  /** "check-arp_ignore net.ipv4.conf.all.arp_ignore", one per failed step, the first ones */
  names: string[];
}

/** Why a realserver does not pass, as the operator acts on it. */
export type BlockerKind = 'checks' | 'unreachable' | 'outside-limit' | 'other';

export interface Blocker {
  host: string;
  /** why it does not pass, naming the failed checks */
  why: string;
  kind: BlockerKind;
}

/** A director's line names this many realservers that did not pass with their reasons; the rest by count. */
export const BLOCKERS_DESCRIBED = 5;

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

function whyNotPassed(outcome: RealserverOutcome): Pick<Blocker, 'why' | 'kind'> {
  const { count, names } = outcome.failedChecks;
  switch (outcome.status) {
    case 'failed':
      if (count === 0) return { why: `failed: ${outcome.reason ?? 'no reason given'}`, kind: 'other' };
      return {
        why: `failed ${count === 1 ? 'check' : `${count} checks:`} ${names.join(', ')}${count > names.length ? `, and ${count - names.length} more` : ''}`,
        kind: 'checks',
      };
    case 'unreachable':
      return { why: `unreachable: ${outcome.reason ?? 'no reason given'}`, kind: 'unreachable' };
    case 'changed':
      return { why: 'is outside --limit and still needs preparing (checked read-only)', kind: 'outside-limit' };
    default:
      return { why: `was ${outcome.status}${outcome.reason ? `: ${outcome.reason}` : ''}`, kind: 'other' };
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
      blockers.push({ host, why: 'was not verified', kind: 'other' });
    } else if (!realserverPassed(outcome, rolloutMode)) {
      blockers.push({ host, ...whyNotPassed(outcome) });
    }
  }
  return blockers;
}

/**
 * The first BLOCKERS_DESCRIBED with their reasons, the rest by count: with 90 realservers
 * unreachable, each director's line would otherwise repeat all 90 reasons, which their own
 * lines above already give.
 */
export function describeBlockers(blockers: readonly Blocker[]): string {
  const described = blockers.slice(0, BLOCKERS_DESCRIBED).map((b) => `realserver ${b.host} ${b.why}`);
  const rest = blockers.length - described.length;
  return `${described.join('; ')}${rest > 0 ? `; and ${rest} more ${rest === 1 ? 'realserver' : 'realservers'} that did not pass (each one's own line says why)` : ''}`;
}

/** What the operator does about a director held back: fix what the realservers' lines name, by kind. */
export const FIX_FAILED_CHECKS = 'fix the realserver checks above (each failed check names its fix), then run lvsctl rollout again';

export function fixForBlockers(blockers: readonly Blocker[], mode: ApplyMode): string {
  const kinds = new Set(blockers.map((b) => b.kind));
  if (kinds.size === 1 && kinds.has('checks')) return FIX_FAILED_CHECKS;
  const steps: string[] = [];
  if (kinds.has('checks')) steps.push('fix the failed realserver checks above (each names its fix)');
  if (kinds.has('unreachable')) steps.push('reach the realserver agents that did not answer (each one\'s own line says why; one that ran out of time needs a longer --timeout or --deadline)');
  if (kinds.has('outside-limit')) steps.push('prepare the realservers outside --limit (name them in --limit)');
  if (kinds.has('other')) steps.push('see the reason given for each realserver');
  const meanwhile = mode === 'apply' ? ' (or apply the directors now with --continue-with-quiesced: those realservers at weight 0)' : '';
  return `${steps.join('; ')}, then run lvsctl rollout again${meanwhile}`;
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
