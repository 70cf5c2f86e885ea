// The director's health loop: one check loop per (service, realserver) of the applied
// plan, fall/rise per target, and the weights that follow from it, set in one batch per
// service through an injected WeightControl. Clock, timers and checks are injected too.
import { SerialQueue } from '../../lvs/serial-queue';
import { mapPausing, QUICK_STEPS_PER_PAUSE, runSliced, type Pausable } from '../../lvs/yield-point';
import { EventEmitter } from 'node:events';
import type { DirectorRealserver, DirectorService, HealthCheckSpec } from '../../lvs/host-plan';
import { destinationKeyString, serviceKeyString, type Destination, type ServiceKey } from '../../lvs/model';
import { runHealthCheck, type RunCheck } from './checkers';
import { initialFallRise, observeCheck, type FallRiseState } from './fall-rise';
import { realClock, type Clock } from '../clock';
import { decideSorry, sorryReport, sorryTargetOf, type SorryTarget } from './sorry-target';
import type {
  ProbeResult, HealthCheckEvent, HealthNotice, HealthSnapshot, HealthTransition, TargetReport, WeightChange, WeightControl,
} from '../../lvs/health/types';
import { decideWeights, SORRY_SERVER_WEIGHT } from './weight-policy';
import { appendAll } from '../../lvs/append';

export interface HealthMonitorOptions {
  weights: WeightControl;
  runCheck?: RunCheck;
  clock?: Clock;
}

export interface HealthMonitorEvents {
  transition: HealthTransition;
  notice: HealthNotice;
  check: HealthCheckEvent;
}

/** Past this many targets coming and going, the index is rebuilt in slices rather than changed in place at once. */
const SWITCH_IN_PLACE_MAX = 2_000;

/** what entryOf answers for "no targets come or go" (most services of most updates): one array, not two per service */
const NO_TARGETS: readonly Target[] = Object.freeze([]);

/** Every checked target by id, in plan order. */
function* targetIndexSteps(byService: ReadonlyMap<string, ServiceTargets>): Pausable<Map<string, Target>> {
  const targets = new Map<string, Target>();
  for (const entry of byService.values()) {
    if (entry.targets.length === 0) continue;
    for (const t of entry.targets) targets.set(t.id, t);
    yield;
  }
  return targets;
}

/**
 * A service of the plan and its checked targets. A service without a health check has no
 * targets: nothing runs, nothing can go down and no weight is ever set for it, so its rows
 * are made from the plan when a snapshot asks (a 2,000 x 10 table without checks cost the
 * hand-over 0.67 s in the lab when every destination was a Target).
 */
interface ServiceTargets {
  service: DirectorService;
  targets: Target[];
  /** unchecked: the weights held that are not the plan's (an agent resuming over a kernel it had changed), by address */
  heldOffPlan?: ReadonlyMap<string, number>;
}

interface Target {
  id: string;
  serviceId: string;
  name: string;
  key: ServiceKey;
  host: string;
  destination: Destination;
  spec?: HealthCheckSpec;
  health: FallRiseState;
  currentWeight: number;
  keptLast: boolean;
  lastCheckAt?: Date;
  lastLatencyMs?: number;
  reason: string;
  /** its check loop was started (and runs until the target is replaced, removed or stopped) */
  looping: boolean;
  /** cancels the pending check; absent while a check runs or for an unchecked target */
  cancel?: () => void;
}

export class HealthMonitor {
  private readonly emitter = new EventEmitter();
  private readonly clock: Clock;
  private readonly runCheck: RunCheck;
  private readonly weights: WeightControl;
  /** the checked targets (a service without a health check has none) */
  private targets = new Map<string, Target>();
  /** every service of the plan (plan order) with its checked targets, and the plan's service they were made from */
  private byService = new Map<string, ServiceTargets>();
  /** the live targets whose state is down: while none is and no sorry server serves, every wanted weight is the plan's */
  private readonly down = new Set<Target>();
  /** service id → its sorry server, for services that have one and a health check */
  private sorry = new Map<string, SorryTarget>();
  /** weight decisions run one at a time, in order, so two results never race in the kernel */
  private readonly weightQueue = new SerialQueue();
  private stopped = false;
  /** the services of the last update given no kernel weights, in its order: the next may be the very same (a no-op rollout) */
  private lastPlainUpdate: readonly DirectorService[] | undefined;

  constructor(options: HealthMonitorOptions) {
    this.weights = options.weights;
    this.runCheck = options.runCheck ?? runHealthCheck;
    this.clock = options.clock ?? realClock;
  }

  on<E extends keyof HealthMonitorEvents>(event: E, listener: (payload: HealthMonitorEvents[E]) => void): () => void {
    this.emitter.on(event, listener);
    return () => this.emitter.off(event, listener);
  }

  /**
   * Takes the services of a DirectorPlan that was just applied. Contract: the applier gave
   * every destination the weight `wantedWeight` asked for (the plan's, or 0 for one known to
   * be down), so that is taken to be what the kernel holds. Targets that remain (same service,
   * same destination, same check) keep their state; new ones start unknown; removed ones
   * stop. Resolves once the resulting weight changes are done.
   *
   * `kernelWeight`, when given, says what the kernel holds instead (an agent restarting
   * with the last applied plan: a realserver it had quiesced is still at weight 0 there, and
   * must get its plan weight back while it is `unknown`, or it would stay at 0 for ever).
   */
  update(services: readonly DirectorService[], kernelWeight?: (key: ServiceKey, destination: Destination) => number | undefined): Promise<void> {
    if (this.stopped) throw new Error('health monitor: update() after stop()');
    return this.updateInSlices(services, kernelWeight);
  }

  /**
   * A 20,000-service plan has 200,000 targets: they are matched with the running ones in
   * slices, so the agent keeps answering meanwhile; the new set replaces the old at once.
   * The work is per changed service with a health check: a service that is the very object
   * of the last update (lvs/wire/decoded-services.ts hands out the same object when its bytes
   * did not change) keeps its targets as they are, only their weight taken again, and a
   * service without a check has no targets at all.
   */
  private async updateInSlices(services: readonly DirectorService[], kernelWeight?: (key: ServiceKey, destination: Destination) => number | undefined): Promise<void> {
    const held = (service: DirectorService, destination: Destination): number =>
      kernelWeight?.(service.service.key, destination) ?? this.wantedWeight(service, destination);
    const sorryHeld = new Map<string, number>();
    for (const s of services) if (s.sorryServer) sorryHeld.set(serviceKeyString(s.service.key), held(s, s.sorryServer));
    const changed = kernelWeight ? undefined : changedInPlace(this.lastPlainUpdate, services);
    this.lastPlainUpdate = undefined;
    if (changed !== undefined) {
      await this.updateInPlace(services, changed, held, sorryHeld);
      if (!this.stopped) this.lastPlainUpdate = services;
      return;
    }
    const next = await runSliced(this.nextServicesSteps(services, held, kernelWeight));
    if (this.stopped) return; // the fresh targets were never scheduled
    if (next.added.length + next.removed.length <= SWITCH_IN_PLACE_MAX) {
      // a few targets come and go: changed in place, at once
      this.swapTargets(next.added, next.removed);
      this.byService = next.byService;
    } else {
      // a load (200,000 targets): the new index is built in slices, then replaces the old at once
      const targets = await runSliced(targetIndexSteps(next.byService));
      if (this.stopped) return;
      this.targets = targets;
      this.byService = next.byService;
      await runSliced(mapPausing(next.removed, (t) => this.retire(t)));
    }
    const serviceIds = new Set(next.toSettle);
    await runSliced(mapPausing(next.added, (t) => this.startLoop(t)));
    await this.settleWithSorry(services, sorryHeld, serviceIds);
    if (!kernelWeight) this.lastPlainUpdate = services;
  }

  /** Targets that come and go, in the index at once: the removed ones first (a replaced one has the same id). */
  private swapTargets(added: readonly Target[], removed: readonly Target[]): void {
    for (const t of removed) {
      if (this.targets.get(t.id) === t) this.targets.delete(t.id);
      this.retire(t);
    }
    for (const t of added) this.targets.set(t.id, t);
  }

  /** A checked target's loop, started once. */
  private startLoop(t: Target): void {
    if (t.spec && !t.looping) {
      t.looping = true;
      this.schedule(t, 0);
    }
  }

  /** The sorry servers taken again, then the weights of `serviceIds` and of every service with one decided. */
  private async settleWithSorry(services: readonly DirectorService[], sorryHeld: ReadonlyMap<string, number>, serviceIds: Set<string>): Promise<void> {
    this.sorry = await runSliced(this.nextSorrySteps(services, sorryHeld));
    for (const id of this.sorry.keys()) serviceIds.add(id);
    await Promise.all([...serviceIds].map((id) => this.enqueueReconcile(id)));
  }

  /**
   * The services of the last update again, in its order, each the very object or (at the
   * indexes `changed`, a few) a changed service under the same key (a weight changed in one of
   * 2,000): the changed ones' entries are replaced in place, at once, as nextServicesSteps would
   * make them; the rest stay as they are, only their weights taken again. No index is made again.
   */
  private async updateInPlace(
    services: readonly DirectorService[], changed: readonly number[],
    held: (service: DirectorService, destination: Destination) => number, sorryHeld: ReadonlyMap<string, number>,
  ): Promise<void> {
    const serviceIds = new Set(await runSliced(this.toSettleSteps(services, held)));
    if (this.stopped) return;
    const added: Target[] = [];
    const removed: Target[] = [];
    for (const i of changed) {
      const service = services[i] as DirectorService;
      const serviceId = serviceKeyString(service.service.key);
      const next = this.entryOf(service, serviceId, this.byService.get(serviceId), held, undefined);
      // the same key: its place in the plan order stays
      this.byService.set(serviceId, next.entry);
      appendAll(added, next.added);
      appendAll(removed, next.removed);
      if (next.settle) serviceIds.add(serviceId);
    }
    this.swapTargets(added, removed);
    for (const t of added) this.startLoop(t);
    await this.settleWithSorry(services, sorryHeld, serviceIds);
  }

  /**
   * The checked services that are the very object of the last update whose weights are decided
   * again: one is not what the apply gave it, or one is down (as entryOf does for them).
   */
  private *toSettleSteps(services: readonly DirectorService[], held: (service: DirectorService, destination: Destination) => number): Pausable<string[]> {
    const toSettle: string[] = [];
    let quick = 0;
    for (const service of services) {
      if (!service.healthCheck) {
        if (++quick % QUICK_STEPS_PER_PAUSE === 0) yield;
        continue;
      }
      const serviceId = serviceKeyString(service.service.key);
      const before = this.byService.get(serviceId);
      // a changed one is updateInPlace's
      if (before?.service === service && this.settleKept(service, before, held)) toSettle.push(serviceId);
      yield;
    }
    return toSettle;
  }

  /** A kept checked service's targets take the weight the apply gave them; true when its weights must be decided again. */
  private settleKept(service: DirectorService, before: ServiceTargets, held: (service: DirectorService, destination: Destination) => number): boolean {
    let settle = false;
    for (const t of before.targets) {
      const weight = held(service, t.destination);
      if (weight !== t.currentWeight || t.health.state === 'down') settle = true;
      t.currentWeight = weight;
    }
    return settle;
  }

  /** The plan's sorry servers, each keeping its state when its service had one. */
  private *nextSorrySteps(services: readonly DirectorService[], sorryHeld: ReadonlyMap<string, number>): Pausable<Map<string, SorryTarget>> {
    const nextSorry = new Map<string, SorryTarget>();
    for (const service of services) {
      if (service.sorryServer === undefined) continue; // no sorry server: nothing to keep or make
      const id = serviceKeyString(service.service.key);
      const sorry = sorryTargetOf(service, this.sorry.get(id), sorryHeld.get(id));
      if (sorry) nextSorry.set(id, sorry);
      yield;
    }
    return nextSorry;
  }

  /**
   * The plan's services with their targets, and which targets come and go: a running target
   * whose check is unchanged is kept (its state with it), a new one is added, the rest of the
   * old ones are removed.
   */
  private *nextServicesSteps(
    services: readonly DirectorService[],
    held: (service: DirectorService, destination: Destination) => number,
    kernelWeight: ((key: ServiceKey, destination: Destination) => number | undefined) | undefined,
  ): Pausable<{ byService: Map<string, ServiceTargets>; added: Target[]; removed: Target[]; toSettle: string[] }> {
    const byService = new Map<string, ServiceTargets>();
    const added: Target[] = [];
    const removed: Target[] = [];
    /** the checked services whose weights are decided again: the new or changed ones, and those health holds off their plan */
    const toSettle: string[] = [];
    /** services taken as they stood: a pause every QUICK_STEPS_PER_PAUSE of them (each is a lookup or two) */
    let quick = 0;
    for (const service of services) {
      const serviceId = serviceKeyString(service.service.key);
      const next = this.entryOf(service, serviceId, this.byService.get(serviceId), held, kernelWeight);
      byService.set(serviceId, next.entry);
      for (const t of next.added) added.push(t);
      for (const t of next.removed) removed.push(t);
      if (next.settle) toSettle.push(serviceId);
      if (!next.quick || ++quick % QUICK_STEPS_PER_PAUSE === 0) yield;
    }
    for (const [serviceId, before] of this.byService) {
      if (!byService.has(serviceId)) for (const t of before.targets) removed.push(t);
      yield;
    }
    return { byService, added, removed, toSettle };
  }

  /**
   * One service's entry in the next index, from its entry before: a running target whose check
   * is unchanged is kept (its state with it), a new one is added, the rest of the old ones are
   * removed. `settle`: its weights are decided again; `quick`: taken as it stood (a lookup or two).
   */
  private entryOf(
    service: DirectorService,
    serviceId: string,
    before: ServiceTargets | undefined,
    held: (service: DirectorService, destination: Destination) => number,
    kernelWeight: ((key: ServiceKey, destination: Destination) => number | undefined) | undefined,
  ): { entry: ServiceTargets; added: readonly Target[]; removed: readonly Target[]; settle: boolean; quick: boolean } {
    if (!service.healthCheck) {
      // the very service of the last update, unchecked then as now: its entry stands as it is (2,000 of them at a re-apply)
      if (before !== undefined && before.service === service && before.targets.length === 0 && before.heldOffPlan === undefined && !kernelWeight) {
        return { entry: before, added: NO_TARGETS, removed: NO_TARGETS, settle: false, quick: true };
      }
      // nothing to keep, start or weigh: the old targets (if it had a check) go
      const heldOffPlan = kernelWeight ? offPlanWeights(service, kernelWeight) : undefined;
      return { entry: heldOffPlan ? { service, targets: [], heldOffPlan } : { service, targets: [] }, added: NO_TARGETS, removed: before?.targets ?? NO_TARGETS, settle: false, quick: false };
    }
    if (before !== undefined && before.service === service) {
      // unchanged: its weights are decided again only if one is not what the apply gave it, or one is down
      return { entry: before, added: NO_TARGETS, removed: NO_TARGETS, settle: this.settleKept(service, before, held), quick: false };
    }
    const targets: Target[] = [];
    const added: Target[] = [];
    const kept = new Set<Target>();
    for (const realserver of service.realservers) {
      const id = targetId(serviceId, realserver.destination);
      const weight = held(service, realserver.destination);
      const old = this.targets.get(id);
      if (old && sameSpec(old.spec, service.healthCheck)) {
        old.name = service.name;
        old.host = realserver.host;
        old.destination = { ...realserver.destination };
        old.currentWeight = weight;
        kept.add(old);
        targets.push(old);
      } else {
        const fresh = this.targetOf(service, realserver);
        fresh.currentWeight = weight;
        added.push(fresh);
        targets.push(fresh);
      }
    }
    const removed = before === undefined ? [] : before.targets.filter((t) => !kept.has(t));
    return { entry: { service, targets }, added, removed, settle: targets.length > 0, quick: false };
  }

  /** A target the plan no longer has: its loop stops, and it no longer counts as down. */
  private retire(t: Target): void {
    t.cancel?.();
    t.cancel = undefined;
    this.down.delete(t);
  }

  /** Stops every loop; resolves when weight changes already started are done. */
  stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.targets.values()) {
      t.cancel?.();
      t.cancel = undefined;
    }
    return this.weightQueue.idle();
  }

  snapshot(): HealthSnapshot {
    // plan order, each sorry server right after its service's realservers
    const targets: TargetReport[] = [];
    const listed = new Set<string>();
    for (const [serviceId, entry] of this.byService) {
      if (!entry.service.healthCheck) {
        for (const r of entry.service.realservers) targets.push(uncheckedReport(entry, r));
        continue;
      }
      for (const t of entry.targets) targets.push(reportOf(t));
      const sorry = this.sorry.get(serviceId);
      if (sorry && entry.targets.length > 0) {
        targets.push(sorryReport(sorry));
        listed.add(serviceId);
      }
    }
    for (const [id, sorry] of this.sorry) if (!listed.has(id)) targets.push(sorryReport(sorry));
    return { at: this.clock.now(), targets };
  }

  /** No destination is down and no service has a sorry server: wantedWeight is the plan's weight for every one (an apply need not ask). */
  holdsNone(): boolean {
    return this.down.size === 0 && this.sorry.size === 0;
  }

  /**
   * The weight an apply must give a destination of a service so that it never raises one
   * health knows to be down (keepalived keeps a failed realserver at 0 through a reload):
   * 0 for a quiesced realserver, the weight it holds for a sorry server that serves or a
   * realserver kept by the all-down policy, else the plan's weight. A target the monitor
   * does not know yet (new, or its check changed) gets the plan's weight: it starts unknown.
   */
  wantedWeight(service: DirectorService, destination: Destination): number {
    // asked for each of 20,000 x 10 destinations at every apply: nothing to look up while all is well
    if (this.holdsNone()) return destination.weight;
    const serviceId = serviceKeyString(service.service.key);
    const sorry = this.sorry.get(serviceId);
    if (sorry && service.sorryServer && destinationKeyString(sorry.destination) === destinationKeyString(destination)) {
      return sorry.serving ? SORRY_SERVER_WEIGHT : destination.weight;
    }
    const target = this.targets.get(targetId(serviceId, destination));
    if (!target || !sameSpec(target.spec, service.healthCheck) || target.health.state !== 'down') return destination.weight;
    return target.keptLast ? target.currentWeight : 0;
  }

  private targetOf(service: DirectorService, realserver: DirectorRealserver): Target {
    const serviceId = serviceKeyString(service.service.key);
    return {
      id: targetId(serviceId, realserver.destination),
      serviceId,
      name: service.name,
      key: service.service.key,
      host: realserver.host,
      destination: { ...realserver.destination },
      spec: service.healthCheck,
      health: initialFallRise(),
      currentWeight: realserver.destination.weight,
      keptLast: false,
      looping: false,
      reason: 'not checked yet',
    };
  }

  private schedule(t: Target, delayMs: number): void {
    t.cancel = this.clock.after(delayMs, () => {
      t.cancel = undefined;
      // A throwing listener must not end the loop with an unhandled rejection; the next
      // check is already scheduled by then.
      this.checkOnce(t).catch(() => undefined);
    });
  }

  private async checkOnce(t: Target): Promise<void> {
    const spec = t.spec;
    if (!spec || !this.isLive(t)) return;
    const started = this.clock.now();
    const result = await this.safeCheck(spec, t.destination.address);
    if (!this.isLive(t)) return;
    const at = this.clock.now();
    const { next, change } = observeCheck(t.health, result, spec, at);
    t.health = next;
    if (next.state === 'down') this.down.add(t);
    else this.down.delete(t);
    t.lastCheckAt = at;
    t.lastLatencyMs = result.latencyMs;
    t.reason = change ? change.reason : result.detail;
    const elapsed = at.getTime() - started.getTime();
    this.schedule(t, Math.max(0, spec.intervalMs - elapsed));
    this.emitter.emit('check', {
      at, service: t.name, serviceKey: t.key, host: t.host, address: addressOf(t), result, state: next.state,
    } satisfies HealthCheckEvent);
    if (change) {
      this.emitter.emit('transition', { ...change, service: t.name, host: t.host, address: addressOf(t) } satisfies HealthTransition);
    }
    await this.enqueueReconcile(t.serviceId);
  }

  private async safeCheck(spec: HealthCheckSpec, address: string): Promise<ProbeResult> {
    try {
      return await this.runCheck(spec, address);
    } catch (err) {
      return { ok: false, latencyMs: 0, detail: `check could not run: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  private isLive(t: Target): boolean {
    // A check in flight when its target was removed, replaced or stopped is discarded.
    return !this.stopped && this.targets.get(t.id) === t;
  }

  private enqueueReconcile(serviceId: string): Promise<void> {
    return this.weightQueue.run(() => this.reconcile(serviceId));
  }

  /** Brings one service's weights in line with its targets' health; never rejects. */
  private async reconcile(serviceId: string): Promise<void> {
    // its own targets, not a scan of all: this runs after every check of every target
    const targets = this.byService.get(serviceId)?.targets ?? [];
    if (targets.length === 0) return;
    const sorry = this.sorry.get(serviceId);
    const decision = decideWeights(
      targets.map((t) => ({ id: t.id, state: t.health.state, plannedWeight: t.destination.weight, currentWeight: t.currentWeight })),
      { allDown: targets[0].spec?.allDown, sorryServer: sorry !== undefined },
    );
    const at = this.clock.now();
    const changes: { holder: { currentWeight: number }; address: string; change: WeightChange }[] = [];
    for (const t of targets) {
      const keep = decision.keptLast === t.id;
      if (keep && !t.keptLast) {
        this.notice({ at, kind: 'kept-last', service: t.name, host: t.host, address: addressOf(t),
          message: `every realserver of ${t.name} is down: ${t.host} keeps weight ${t.currentWeight} so the service still answers` });
      } else if (!keep && t.keptLast && t.health.state === 'down') {
        this.notice({ at, kind: 'released', service: t.name, host: t.host, address: addressOf(t),
          message: `another realserver of ${t.name} is serving again: ${t.host}, still down, is quiesced` });
      }
      t.keptLast = keep;
      const weight = decision.weights.get(t.id) ?? t.currentWeight;
      if (weight !== t.currentWeight) {
        changes.push({ holder: t, address: addressOf(t), change: { key: t.key, destination: { ...t.destination, weight }, previousWeight: t.currentWeight } });
      }
    }
    if (sorry && decision.sorryServerWeight !== undefined) {
      const weight = decision.sorryServerWeight;
      const back = targets.find((t) => (decision.weights.get(t.id) ?? 0) > 0);
      const event = decideSorry(sorry, weight > 0, at, back?.host);
      if (event) this.emitter.emit('transition', event);
      if (weight !== sorry.currentWeight) {
        changes.push({ holder: sorry, address: destinationKeyString(sorry.destination), change: { key: sorry.key, destination: { ...sorry.destination, weight }, previousWeight: sorry.currentWeight } });
      }
    }
    if (changes.length === 0) return;
    // Raises before quiesces in the batch: the service is never left with nothing to schedule to.
    changes.sort((a, b) => rank(a.change) - rank(b.change));
    try {
      await this.weights.setWeights(changes.map((c) => c.change));
      for (const c of changes) c.holder.currentWeight = c.change.destination.weight;
    } catch (err) {
      const what = changes.map((c) => `${c.address} → ${c.change.destination.weight}`).join(', ');
      this.notice({ at, kind: 'weight-failed', service: targets[0].name,
        message: `could not set weights of ${targets[0].name} (${what}): ${err instanceof Error ? err.message : String(err)}; retried after the next check` });
    }
  }

  private notice(n: HealthNotice): void {
    this.emitter.emit('notice', n);
  }
}

function targetId(serviceId: string, d: Pick<Destination, 'address' | 'port'>): string {
  return `${serviceId} -> ${destinationKeyString(d)}`;
}

/** 0 for a weight going up, 1 for one going down; Array.prototype.sort is stable. */
function rank(c: WeightChange): number {
  return c.destination.weight > (c.previousWeight ?? 0) ? 0 : 1;
}

function addressOf(t: Target): string {
  return destinationKeyString(t.destination);
}

function sameSpec(a: HealthCheckSpec | undefined, b: HealthCheckSpec | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** An unchecked service's destinations whose held weight is not the plan's, or undefined when every one's is. */
function offPlanWeights(service: DirectorService, kernelWeight: (key: ServiceKey, destination: Destination) => number | undefined): Map<string, number> | undefined {
  let off: Map<string, number> | undefined;
  for (const { destination } of service.realservers) {
    const weight = kernelWeight(service.service.key, destination);
    if (weight !== undefined && weight !== destination.weight) (off ??= new Map()).set(destinationKeyString(destination), weight);
  }
  return off;
}

/** The row of a destination of a service without a health check: never checked, never touched. */
function uncheckedReport(entry: ServiceTargets, realserver: DirectorRealserver): TargetReport {
  const { service } = entry;
  const address = destinationKeyString(realserver.destination);
  const fresh = initialFallRise();
  return {
    service: service.name,
    serviceKey: service.service.key,
    host: realserver.host,
    address,
    checked: false,
    state: fresh.state,
    plannedWeight: realserver.destination.weight,
    currentWeight: entry.heldOffPlan?.get(address) ?? realserver.destination.weight,
    keptLast: false,
    reason: 'no health check in the plan',
    consecutiveFailures: fresh.consecutiveFailures,
    consecutiveSuccesses: fresh.consecutiveSuccesses,
  };
}

function reportOf(t: Target): TargetReport {
  return {
    service: t.name,
    serviceKey: t.key,
    host: t.host,
    address: addressOf(t),
    checked: t.spec !== undefined,
    state: t.health.state,
    plannedWeight: t.destination.weight,
    currentWeight: t.currentWeight,
    keptLast: t.keptLast,
    ...(t.lastCheckAt ? { lastCheckAt: t.lastCheckAt } : {}),
    ...(t.lastLatencyMs !== undefined ? { lastLatencyMs: t.lastLatencyMs } : {}),
    reason: t.reason,
    consecutiveFailures: t.health.consecutiveFailures,
    consecutiveSuccesses: t.health.consecutiveSuccesses,
  };
}

/** Past this many services changed, an update makes its index again (in slices) instead of changing it in place. */
const CHANGED_IN_PLACE_MAX = 64;

/**
 * The indexes where `now` holds another object than the last update did, when every one of
 * them is a service under the same key at the same place and there are at most
 * CHANGED_IN_PLACE_MAX (none: the same services, a no-op rollout); otherwise undefined.
 */
function changedInPlace(before: readonly DirectorService[] | undefined, now: readonly DirectorService[]): number[] | undefined {
  if (before === undefined || before.length !== now.length) return undefined;
  const changed: number[] = [];
  for (let i = 0; i < now.length; i++) {
    const was = before[i] as DirectorService;
    const is = now[i] as DirectorService;
    if (was === is) continue;
    if (changed.length === CHANGED_IN_PLACE_MAX || serviceKeyString(was.service.key) !== serviceKeyString(is.service.key)) return undefined;
    changed.push(i);
  }
  return changed;
}
