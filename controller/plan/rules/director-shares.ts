// Which directors are sent which services, as compile.ts sends them: a director in no group
// every service, the directors of a group the group's services. For the rules that judge what
// an agent will be sent or asked to run.
import { groupServiceIndexes } from '../director-groups';
import { toPointer } from '../errors';
import type { PlanView } from './view';

export interface DirectorShare {
  /** the directors sent this share */
  directors: string[];
  /** the indexes of its services in view.services */
  serviceIndexes: number[];
  /** the group, for one in a group */
  group?: { index: number; name: string };
}

/** The directors in no group with every service (when there are any), then each group's share. */
export function directorShares(view: PlanView): DirectorShare[] {
  const grouped = new Set(view.groups.flatMap((g) => g?.directors ?? []));
  const ungrouped = [...view.hosts].filter(([name, h]) => h.role === 'director' && !grouped.has(name)).map(([name]) => name);
  const shares: DirectorShare[] = [];
  if (ungrouped.length > 0) shares.push({ directors: ungrouped, serviceIndexes: [...view.services.keys()] });
  view.groups.forEach((g, index) => {
    if (!g) return;
    const directors = g.directors.filter((d) => view.hosts.get(d)?.role === 'director');
    shares.push({ directors, serviceIndexes: groupServiceIndexes(g, view.groups, view.services), group: { index, name: g.name } });
  });
  return shares;
}

/** Where a share's problem is reported: its group, or the services for the directors in none. */
export function sharePointer(share: DirectorShare): string {
  return share.group ? toPointer(['directorGroups', share.group.index]) : '/services';
}
