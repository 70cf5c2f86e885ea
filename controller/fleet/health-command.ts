// `lvsctl health PLAN [--watch] [--json]`: every agent's health report, as one table (or
// one JSON document); with --watch, the first reports and then every change as it comes,
// one line each (one JSON object a line with --json) until interrupted.
import type { AgentHealthReport } from '../../lvs/health/report';
import type { AgentReaderConnector, HealthWatch } from '../client/agent-reader';
import { EXIT } from '../exit-codes';
import { eventLine, healthReportJson, renderHealthTable } from '../report/health-table';
import { askAgents, failureOf, fleetExitCode } from './ask-agents';
import { type HostAnswer } from '../report/host-answer';
import { answerJson, fleetDeadline, fleetPlanOrRefusal, type FleetCommandDeps, type FleetCommonOptions } from './commands';
import type { FleetTarget } from './plan-targets';
import { groupView, renderGroupViews, troubledDirectors, type GroupMember } from '../report/group-view';

export interface HealthCommandOptions extends FleetCommonOptions {
  watch?: boolean;
}

/** The abort reason of a watch whose stdout's reader went away (`| head -1`, `grep -m1`). */
export const READER_WENT_AWAY = 'the reader of the watch went away';

/** Hosts whose report shows a problem: a target down or a failed self-check. */
export function unhealthyHosts(answers: readonly HostAnswer<AgentHealthReport>[]): string[] {
  return answers.flatMap((a) => (a.ok && (a.value.targets.some((t) => t.checked && t.state === 'down') || a.value.selfChecks.some((c) => c.status === 'failed')) ? [a.host] : []));
}

export async function executeHealth(planPath: string, options: HealthCommandOptions, deps: FleetCommandDeps & { signal?: AbortSignal }): Promise<number> {
  const startedAt = Date.now();
  const fleet = await fleetPlanOrRefusal('health', planPath, options, deps);
  if ('exitCode' in fleet) return fleet.exitCode;
  const now = deps.now ?? (() => new Date());
  // A watch runs until interrupted, or until --deadline when given; its calls are bounded one by one.
  if (options.watch) return watchHealth(fleet.targets, deps.makeConnector(), options, deps, startedAt);
  const connector = deps.makeConnector(fleetDeadline(startedAt, options, fleet.targets.length));
  // Reports go under the plan's host names: an agent names itself by its hostname, which
  // may differ from the plan's (and is "(none)" in a network namespace without one).
  // The directors of a group are asked their table too, to say whether the group holds one.
  const grouped = new Set(fleet.groups.flatMap((g) => g.directors));
  const [reports, tables] = await Promise.all([
    askAgents(fleet.targets, connector, (reader) => reader.health()),
    askAgents(fleet.targets.filter((t) => grouped.has(t.host)), connector, (reader) => reader.status()),
  ]);
  const answers = reports.map((a) => (a.ok ? { ...a, value: { ...a.value, host: a.host } } : a));
  const groups = fleet.groups.map((g) => {
    const members = g.directors.map((host): GroupMember => {
      const a = answers.find((x) => x.host === host);
      const t = tables.find((x) => x.host === host);
      if (!a?.ok) return { host, unreachable: a && !a.ok ? a.reason : 'not asked' };
      return { host, ...(a.value.vrrp ? { vrrp: a.value.vrrp } : {}), ...(t?.ok ? { services: t.value.services } : {}) };
    });
    const view = groupView(g.name, members);
    return { view, troubled: troubledDirectors(view, members) };
  });
  const exitCode = fleetExitCode(answers, [...unhealthyHosts(answers), ...groups.flatMap((g) => g.troubled)]);
  if (options.json) {
    deps.stdout.write(`${JSON.stringify({ command: 'health', plan: planPath, hosts: answers.map((a) => answerJson(a, healthReportJson)), ...(groups.length > 0 ? { groups: groups.map((g) => g.view) } : {}), exitCode }, null, 2)}\n`);
  } else {
    deps.stdout.write(renderHealthTable(answers, now()));
    const text = renderGroupViews(groups.map((g) => g.view));
    if (text) deps.stdout.write(`\n${text}`);
  }
  return exitCode;
}

async function watchHealth(
  targets: readonly FleetTarget[],
  connector: AgentReaderConnector,
  options: HealthCommandOptions,
  deps: FleetCommandDeps & { signal?: AbortSignal },
  startedAt: number,
): Promise<number> {
  const line = (value: unknown): void => { deps.stdout.write(`${JSON.stringify(value)}\n`); };
  const watches: HealthWatch[] = [];
  // Interrupting (Ctrl-C) or --deadline ends every watch; the command then ends normally with its exit code.
  const stop = new AbortController();
  let stoppedBy = 'the watch was interrupted';
  const stopAll = (): void => { stop.abort(); cancelAll(); };
  deps.signal?.addEventListener('abort', stopAll);
  const deadlineMs = options.bounds?.deadlineMs;
  const deadlineTimer = deadlineMs === undefined ? undefined : setTimeout(() => {
    stoppedBy = `the watch reached --deadline ${deadlineMs / 1000}s`;
    stopAll();
  }, Math.max(0, startedAt + deadlineMs - Date.now()));
  const outcomes = await Promise.all(targets.map(async (target): Promise<HostAnswer<null>> => {
    const reader = connector({ host: target.host, address: target.address, port: target.port });
    let first = true;
    try {
      const watch = reader.watchHealth((own) => {
        const report = { ...own, host: target.host };
        if (options.json) {
          line({ host: target.host, kind: first ? 'report' : report.heartbeat ? 'heartbeat' : 'change', ...(healthReportJson(report) as object) });
        } else if (first) {
          deps.stdout.write(renderHealthTable([{ host: target.host, role: target.role, ok: true, value: report }], report.at, 10));
        } else {
          for (const e of report.events) deps.stdout.write(`${eventLine(report.host, e)}\n`);
        }
        first = false;
      });
      watches.push(watch);
      if (deps.signal?.aborted || stop.signal.aborted) watch.cancel();
      await watch.done;
      const stopped = deps.signal?.aborted === true || stop.signal.aborted;
      // A watch stopped before its agent's first report has shown nothing of that host:
      // it counts as unreachable, not as a host that was watched. Not when the reader went
      // away: it took what it wanted (the first line of several hosts), and there is no one
      // left to show the host to; `| head -1` must not fail a pipeline under pipefail.
      const readerWentAway = deps.signal?.reason === READER_WENT_AWAY;
      if (!stopped || (first && !readerWentAway)) {
        const reason = stopped
          ? `no report came from the agent of ${target.host} before ${stoppedBy}; is lvsctl-agent running there? see its log`
          : `the agent of ${target.host} ended the watch (it is shutting down?)`;
        if (options.json) line({ host: target.host, kind: 'unreachable', reason });
        else deps.stdout.write(`${target.host}: unreachable: ${reason}\n`);
        return { host: target.host, role: target.role, ok: false, kind: 'unreachable', reason };
      }
      return { host: target.host, role: target.role, ok: true, value: null };
    } catch (err) {
      const failure = failureOf(err);
      if (options.json) line({ host: target.host, kind: failure.kind, reason: failure.reason });
      else deps.stdout.write(`${target.host}: ${failure.kind}: ${failure.reason}\n`);
      return { host: target.host, role: target.role, ok: false, ...failure };
    } finally {
      reader.close();
    }
  }));
  clearTimeout(deadlineTimer);
  deps.signal?.removeEventListener('abort', stopAll);
  return targets.length === 0 ? EXIT.ok : fleetExitCode(outcomes);

  function cancelAll(): void {
    for (const w of watches) w.cancel();
  }
}
