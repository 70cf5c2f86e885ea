// Director groups in a rollout: the directors of a group are applied one at a time, the
// backups first and the planned master (highest priority) last, so the director serving
// traffic changes last; the first failure stops the group, so its directors keep one table
// (except keepalived missing or not running there: that director holds no VRRP role).
// After the directors, a group whose directors did not all end with the plan is reported
// (and ends the rollout with exit 2), naming the group and each director that differs.
import type { ApplyMode } from '../../lvs/apply-events';
import type { DirectorPlan } from '../../lvs/host-plan';
import type { GroupRecap, HostStatus } from './events';

export interface DirectorUnits {
  /** directors in no group, applied side by side as before */
  single: Array<[string, DirectorPlan]>;
  /** each group's directors, in apply order */
  groups: Array<{ group: string; members: Array<[string, DirectorPlan]> }>;
}

export function directorUnits(ready: ReadonlyArray<[string, DirectorPlan]>): DirectorUnits {
  const single: Array<[string, DirectorPlan]> = [];
  const byGroup = new Map<string, Array<[string, DirectorPlan]>>();
  for (const entry of ready) {
    const group = entry[1].vrrp?.group;
    if (group === undefined) single.push(entry);
    else byGroup.set(group, [...(byGroup.get(group) ?? []), entry]);
  }
  const groups = [...byGroup].map(([group, members]) => ({
    group,
    members: [...members].sort((a, b) => (a[1].vrrp?.priority ?? 0) - (b[1].vrrp?.priority ?? 0)),
  }));
  return { single, groups };
}

/**
 * Each group of the plan, from every director's plan (selected or not) and how each ended.
 * Only an apply can leave tables apart (a check reports every group as matching), and a
 * director left out by --limit only when the apply changed another's table.
 */
export function groupRecaps(
  plans: ReadonlyArray<DirectorPlan>,
  statusOf: (host: string) => HostStatus | undefined,
  mode: ApplyMode,
): GroupRecap[] {
  const byGroup = new Map<string, DirectorPlan[]>();
  for (const p of plans) if (p.vrrp) byGroup.set(p.vrrp.group, [...(byGroup.get(p.vrrp.group) ?? []), p]);
  return [...byGroup].map(([group, members]) => {
    const ordered = [...members].sort((a, b) => (a.vrrp?.priority ?? 0) - (b.vrrp?.priority ?? 0));
    const outcome = ordered.map((p) => ({ host: p.host, status: statusOf(p.host) ?? ('not selected' as const) }));
    const holdsPlan = (s: HostStatus | 'not selected'): boolean => s === 'ok' || s === 'changed';
    // a director not selected (--limit) is left behind only by a table this rollout changed:
    // the others found already as planned ('ok') leave it as the last rollout did
    const applied = outcome.filter((o) => holdsPlan(o.status));
    const changedOne = outcome.some((o) => o.status === 'changed');
    const differing = mode === 'apply' && applied.length > 0
      ? outcome.filter((o) => !holdsPlan(o.status) && (changedOne || o.status !== 'not selected'))
      : [];
    return {
      group,
      master: ordered[ordered.length - 1].host,
      directors: ordered.map((p) => p.host),
      tablesMatch: differing.length === 0,
      differing,
    };
  });
}

/** One line per differing group, for the recap and the JSON document. */
export function describeGroupMismatch(g: GroupRecap): string {
  const others = g.directors.filter((d) => !g.differing.some((x) => x.host === d));
  return `group ${g.group}: ${g.differing.map((d) => `${d.host} (${d.status})`).join(', ')} ${g.differing.length === 1 ? 'does' : 'do'} not hold the table ${others.join(', ')} ${others.length === 1 ? 'holds' : 'hold'} now`;
}

/** The failed step of a director whose keepalived is missing or not running (agent/director/vrrp-step.ts). */
export const KEEPALIVED_PRECONDITION = 'precondition keepalived';

export const FIX_GROUP_MISMATCH = 'fix what stopped those directors, then run lvsctl rollout again for the whole group (no --limit inside a group)';
