// Which hosts a rollout touches, and how: --limit narrows the hosts, but a director is
// never given traffic for realservers nobody looked at, so the realservers of a limited
// director's services are always verified too (read-only, check mode) when not in --limit.
import type { ApplyMode } from '../../lvs/apply-events';
import type { DirectorPlan, HostPlan } from '../../lvs/host-plan';

export interface SelectedRealserver {
  host: string;
  mode: ApplyMode;
  /** true when it is verified only because a limited director needs it */
  readOnly: boolean;
}

export interface RolloutSelection {
  /** in plan order */
  realservers: SelectedRealserver[];
  /** in plan order */
  directors: string[];
}

/** The names in --limit that are no host of the plan. */
export function unknownLimitHosts(hostNames: Iterable<string>, limit: readonly string[]): string[] {
  const known = new Set(hostNames);
  return limit.filter((h) => !known.has(h));
}

/**
 * --limit as every command that takes it reads it: the names, or an error saying what is
 * wrong (no name at all, a name that is no host) with the plan's hosts; undefined without one.
 */
export function checkedLimit(values: readonly string[] | undefined, hostNames: readonly string[], planPath: string): string[] | undefined {
  if (values === undefined) return undefined;
  const limit = parseLimit(values);
  if (limit.length === 0) throw new Error(`--limit needs host names, e.g. --limit web1,web2; known hosts: ${hostNames.join(', ')}`);
  const unknown = unknownLimitHosts(hostNames, limit);
  if (unknown.length > 0) {
    throw new Error(`--limit: ${unknown.join(', ')} ${unknown.length === 1 ? 'is not a host' : 'are not hosts'} of ${planPath}; known hosts: ${hostNames.join(', ')}`);
  }
  return limit;
}

/** "web1,web2" and ["lvs1", " web3 "] alike → trimmed, unique, non-empty names. */
export function parseLimit(values: readonly string[]): string[] {
  const names = values.flatMap((v) => v.split(',')).map((h) => h.trim()).filter((h) => h !== '');
  return [...new Set(names)];
}

/** The realserver hosts a director sends traffic to: those of all its services. */
export function realserversOf(plan: DirectorPlan): string[] {
  return [...new Set(plan.services.flatMap((s) => s.realservers.map((rs) => rs.host)))];
}

export function selectRolloutHosts(
  plans: ReadonlyMap<string, HostPlan>,
  mode: ApplyMode,
  limit?: readonly string[],
): RolloutSelection {
  const unknown = limit ? unknownLimitHosts(plans.keys(), limit) : [];
  if (unknown.length > 0) {
    throw new Error(`--limit names hosts the plan does not have: ${unknown.join(', ')}`);
  }
  const limited = limit ? new Set(limit) : undefined;
  const inLimit = (host: string): boolean => !limited || limited.has(host);

  const directors = [...plans.values()].filter((p): p is DirectorPlan => p.role === 'director' && inLimit(p.host));
  const neededByDirectors = new Set(directors.flatMap(realserversOf));

  const realservers: SelectedRealserver[] = [];
  for (const plan of plans.values()) {
    if (plan.role !== 'realserver') continue;
    if (inLimit(plan.host)) {
      realservers.push({ host: plan.host, mode, readOnly: false });
    } else if (neededByDirectors.has(plan.host)) {
      realservers.push({ host: plan.host, mode: 'check', readOnly: true });
    }
  }
  return { realservers, directors: directors.map((d) => d.host) };
}
