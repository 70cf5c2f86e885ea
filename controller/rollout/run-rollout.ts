// The rollout's order across hosts: connect to every agent, verify (or prepare) the
// realservers, then apply the directors whose realservers all passed. Pure orchestration:
// it talks to agents only through the AgentConnector it is given and reports only
// through onEvent, so tests drive it with in-memory agents and a fixed clock.
import { missingCapabilities } from '../../lvs/agent-capabilities';
import type { ApplyMode, ResultEvent } from '../../lvs/apply-events';
import type { DirectorPlan, HostPlan } from '../../lvs/host-plan';
import { AgentUnreachableError, type AgentClient, type AgentConnector } from '../client/agent-client';
import { mapBounded } from '../../lvs/map-bounded';
import type { HostStatus, RolloutEvent, RolloutSummary } from './events';
import { blockersOf, describeBlockers, fixForBlockers, quiesceRealservers, type RealserverOutcome } from './gate';
import { RolloutLedger } from './ledger';
import { selectRolloutHosts } from './selection';
import { directorUnits, groupRecaps, KEEPALIVED_PRECONDITION } from './director-groups';

export interface RolloutTarget {
  address: string;
  port: number;
}

export interface RolloutInput {
  plans: ReadonlyMap<string, HostPlan>;
  targets: ReadonlyMap<string, RolloutTarget>;
  connector: AgentConnector;
  mode: ApplyMode;
  /** host names; the caller has checked they exist (unknownLimitHosts) */
  limit?: string[];
  /** at most this many agents are connected to or applied at once */
  parallel: number;
  /** apply the directors anyway, with the realservers that did not pass at weight 0 */
  continueWithQuiesced?: boolean;
  onEvent: (event: RolloutEvent) => void;
  /** the generation stamped on every HostPlan; Date.now by default */
  clock?: () => number;
}


function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function runRollout(input: RolloutInput): Promise<RolloutSummary> {
  const generation = (input.clock ?? Date.now)();
  const plans = new Map([...input.plans].map(([host, plan]) => [host, { ...plan, generation } as HostPlan]));
  const selection = selectRolloutHosts(plans, input.mode, input.limit);
  const ledger = new RolloutLedger();
  const clients = new Map<string, AgentClient>();
  const emit = (event: RolloutEvent): void => {
    ledger.record(event);
    input.onEvent(event);
  };
  const modeOf = new Map<string, ApplyMode>(selection.realservers.map((r) => [r.host, r.mode]));
  for (const r of selection.realservers) ledger.track(r.host, 'realserver', r.mode);
  for (const d of selection.directors) {
    ledger.track(d, 'director', input.mode);
    modeOf.set(d, input.mode);
  }

  const finish = (host: string, status: HostStatus, reason?: string, fix?: string): void => {
    emit({
      kind: 'host-done', host, status, mode: modeOf.get(host) ?? input.mode,
      ...(reason !== undefined ? { reason } : {}), ...(fix !== undefined ? { fix } : {}),
    });
  };
  const finishWithError = (host: string, err: unknown): void => {
    if (err instanceof AgentUnreachableError) finish(host, 'unreachable', err.message);
    else finish(host, 'failed', messageOf(err));
  };

  // A host done with (unreachable, refused, applied) has its client closed at once: a
  // channel left open redials an agent that is gone until the whole rollout ends.
  const release = (host: string): void => {
    clients.get(host)?.close();
    clients.delete(host);
  };

  const connect = async (host: string): Promise<void> => {
    const plan = plans.get(host);
    const target = input.targets.get(host);
    if (!plan || !target) {
      finish(host, 'unreachable', `no address resolved for host ${host}`);
      return;
    }
    const endpoint = `${target.address}:${target.port}`;
    try {
      const client = input.connector({ host, address: target.address, port: target.port });
      clients.set(host, client);
      // a director told its apply follows checks its table against the kernel meanwhile (docs/director.md)
      const identity = await client.hello({ applyFollows: plan.role === 'director' });
      emit({ kind: 'hello', host, endpoint, identity });
      const missing = missingCapabilities(plan, identity.capabilities);
      if (identity.role !== plan.role) {
        finish(
          host, 'failed',
          `the agent at ${endpoint} has role ${identity.role}, but the plan makes ${host} a ${plan.role}`,
          `point hosts.${host}.address at the ${plan.role}, or start that agent with --role ${plan.role}`,
        );
        release(host);
      } else if (missing.length > 0) {
        finish(
          host, 'failed',
          `the agent at ${endpoint} (lvsctl-agent ${identity.version}) cannot apply this plan as planned: it lacks ${missing.map((m) => m.capability).join(', ')} (${missing.map((m) => m.why).join('; ')}); nothing was sent to it`,
          `upgrade lvsctl-agent on ${host} (lvsctl bootstrap PLAN --limit ${host}), then run lvsctl rollout again`,
        );
        release(host);
      } else if (plan.role === 'realserver' && client.prepare) {
        // its request is encoded while the other hosts still connect
        realserversPrepared.push(client.prepare(plan, modeOf.get(host) ?? input.mode));
      }
    } catch (err) {
      finishWithError(host, err);
      release(host);
    }
  };

  const apply = async (host: string, plan: HostPlan): Promise<void> => {
    const client = clients.get(host);
    if (!client) return;
    let resultSeen = false;
    try {
      const result: ResultEvent = await client.apply(plan, modeOf.get(host) ?? input.mode, (event) => {
        if (event.kind === 'result') resultSeen = true;
        emit({ kind: 'agent', host, event });
      });
      // The client contract streams the result too; a client that only returns it still gets it recorded.
      if (!resultSeen) emit({ kind: 'agent', host, event: result });
      if (result.outcome === 'failed') {
        finish(host, 'failed', result.rollback ? `${result.message} (${result.rollback})` : result.message);
      } else {
        finish(host, result.outcome);
      }
    } catch (err) {
      finishWithError(host, err);
    } finally {
      release(host);
    }
  };

  const pending = (hosts: string[]): string[] => hosts.filter((h) => !ledger.isDone(h));
  const realserversPrepared: Array<Promise<void>> = [];
  let directorsStarted = false;
  /**
   * The directors' requests are encoded while the realservers verify: after the realservers'
   * own (they are first in line: their verify holds up everything after), before the directors
   * phase (one that has begun encodes in apply itself).
   */
  const prepareDirectors = async (): Promise<void> => {
    await Promise.all(realserversPrepared);
    if (directorsStarted) return;
    for (const host of pending(selection.directors)) void clients.get(host)?.prepare?.(plans.get(host) as HostPlan, input.mode);
  };

  try {
    const everyone = [...selection.realservers.map((r) => r.host), ...selection.directors];
    emit({ kind: 'phase', phase: 'connect', hosts: everyone });
    await mapBounded(everyone, input.parallel, connect);

    const realservers = selection.realservers.map((r) => r.host);
    emit({ kind: 'phase', phase: 'realservers', hosts: pending(realservers) });
    // never rejects; not awaited: a realserver's request still encoding must not hold up the
    // directors (closing its client at the end stops that work)
    void prepareDirectors();
    await mapBounded(pending(realservers), input.parallel, (host) => apply(host, plans.get(host) as HostPlan));
    directorsStarted = true;

    const outcomes = new Map<string, RealserverOutcome>(
      selection.realservers.map((r) => [r.host, {
        host: r.host,
        status: ledger.statusOf(r.host) ?? 'skipped',
        mode: r.mode,
        readOnly: r.readOnly,
        failedChecks: ledger.failedChecksOf(r.host),
        ...(ledger.reasonOf(r.host) !== undefined ? { reason: ledger.reasonOf(r.host) } : {}),
      }]),
    );

    emit({ kind: 'phase', phase: 'directors', hosts: pending(selection.directors) });
    let stoppedBeforeDirectors: string | undefined;
    const ready: Array<[string, DirectorPlan]> = [];
    for (const host of pending(selection.directors)) {
      const plan = plans.get(host) as DirectorPlan;
      const blockers = blockersOf(plan, outcomes, input.mode);
      if (blockers.length === 0) {
        ready.push([host, plan]);
      } else if (input.continueWithQuiesced) {
        const { plan: quiescedPlan, quiesced } = quiesceRealservers(plan, new Set(blockers.map((b) => b.host)));
        for (const q of quiesced) {
          emit({ kind: 'notice', host, message: `realserver ${q.host} quiesced (weight 0) in service ${q.service}: it did not pass` });
        }
        ready.push([host, quiescedPlan]);
      } else {
        stoppedBeforeDirectors = describeBlockers(blockers);
        finish(host, 'skipped', `not applied: ${stoppedBeforeDirectors}`, fixForBlockers(blockers, input.mode));
      }
    }
    const units = directorUnits(ready);
    // A group is one unit: its directors one after the other, backups first; the first failure stops it.
    const applyGroup = async (members: Array<[string, DirectorPlan]>, group: string): Promise<void> => {
      // a director of the group that failed before its apply (unreachable, the wrong role, an
      // agent too old) stops the group as a failed apply does: the others keep their one table
      const named = new Set(members.map(([host]) => host));
      const fallen = selection.directors.find((host) => !named.has(host) && (plans.get(host) as DirectorPlan | undefined)?.vrrp?.group === group
        && ledger.statusOf(host) !== undefined && ledger.statusOf(host) !== 'ok' && ledger.statusOf(host) !== 'changed');
      // (a check changes nothing: each director is checked whatever the others did)
      if (fallen !== undefined && input.mode === 'apply') {
        for (const [rest] of members) {
          finish(rest, 'skipped', `not applied: ${fallen} of group ${group} ${ledger.statusOf(fallen) ?? 'failed'} before its apply, so the group keeps one table`, `fix ${fallen}, then run lvsctl rollout again`);
        }
        return;
      }
      for (const [index, [host, plan]] of members.entries()) {
        await apply(host, plan);
        const status = ledger.statusOf(host);
        if (status === 'ok' || status === 'changed') continue;
        // keepalived missing or not running: that director holds no VRRP role, so it cannot take
        // the addresses with its old table; the next one may go on (and gets its config written too).
        const failedChecks = ledger.failedChecksOf(host);
        if (status === 'failed' && failedChecks.count > 0 && failedChecks.count === failedChecks.names.length && failedChecks.names.every((c) => c === KEEPALIVED_PRECONDITION)) continue;
        for (const [rest] of members.slice(index + 1)) {
          finish(rest, 'skipped', `not applied: ${host} of group ${group} ${status ?? 'failed'}, so the group keeps one table`, `fix ${host}, then run lvsctl rollout again`);
        }
        return;
      }
    };
    await Promise.all([
      mapBounded(units.single, input.parallel, ([host, plan]) => apply(host, plan)),
      mapBounded(units.groups, input.parallel, (g) => applyGroup(g.members, g.group)),
    ]);
    const allDirectors = [...plans.values()].filter((p): p is DirectorPlan => p.role === 'director');
    const groups = groupRecaps(allDirectors, (h) => ledger.statusOf(h), input.mode);

    return {
      generation,
      mode: input.mode,
      hosts: ledger.recap(),
      ...(groups.length > 0 ? { groups } : {}),
      ...(stoppedBeforeDirectors !== undefined ? { stoppedBeforeDirectors } : {}),
    };
  } finally {
    for (const client of clients.values()) client.close();
  }
}
