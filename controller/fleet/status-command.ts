// `lvsctl status PLAN [--json]`: every director's live table with counters and names, and
// its drift from the plan. Each director's health is asked too (best effort): it explains
// a weight the monitor set, which is then not drift.
import type { HealthRow } from '../../lvs/health/report';
import { renderStatus, type StatusView } from '../report/status-table';
import { askAgents, fleetExitCode } from './ask-agents';
import { fleetDeadline, fleetPlanOrRefusal, namesOf, answerJson, type FleetCommandDeps, type FleetCommonOptions } from './commands';
import { findDrift } from '../report/drift';
import { groupView, renderGroupViews, troubledDirectors, type GroupMember } from '../report/group-view';

export async function executeStatus(planPath: string, options: FleetCommonOptions, deps: FleetCommandDeps): Promise<number> {
  const startedAt = Date.now();
  const fleet = await fleetPlanOrRefusal('status', planPath, options, deps);
  if ('exitCode' in fleet) return fleet.exitCode;
  const directors = fleet.targets.filter((t) => t.role === 'director');
  const connector = deps.makeConnector(fleetDeadline(startedAt, options, directors.length));
  const answers = await askAgents(directors, connector, async (reader, target): Promise<StatusView> => {
    const [status, health] = await Promise.all([
      reader.status(),
      reader.health().then((h): HealthRow[] | undefined => h.targets, () => undefined),
    ]);
    return { status, drift: findDrift(target.host, fleet.servicesOf(target.host), status.services, health) };
  });
  const drifted = answers.flatMap((a) => (a.ok && a.value.drift.drift.length > 0 ? [a.host] : []));
  const groups = fleet.groups.map((g) => {
    const members = g.directors.map((host): GroupMember => {
      const a = answers.find((x) => x.host === host);
      if (!a) return { host, unreachable: 'not asked' };
      if (!a.ok) return { host, unreachable: a.reason };
      return { host, services: a.value.status.services, ...(a.value.status.vrrp ? { vrrp: a.value.status.vrrp } : {}) };
    });
    const view = groupView(g.name, members);
    return { view, troubled: troubledDirectors(view, members) };
  });
  const exitCode = fleetExitCode(answers, [...drifted, ...groups.flatMap((g) => g.troubled)]);
  if (options.json) {
    const hosts = answers.map((a) => answerJson(a, (v: StatusView) => ({ services: v.status.services, drift: v.drift.drift, explainedByHealth: v.drift.explained, ...(v.status.vrrp ? { vrrp: v.status.vrrp } : {}) })));
    deps.stdout.write(`${JSON.stringify({ command: 'status', plan: planPath, hosts, ...(groups.length > 0 ? { groups: groups.map((g) => g.view) } : {}), exitCode }, null, 2)}\n`);
  } else {
    deps.stdout.write(renderStatus(answers, namesOf(fleet)));
    const text = renderGroupViews(groups.map((g) => g.view));
    if (text) deps.stdout.write(`\n${text}`);
  }
  return exitCode;
}
