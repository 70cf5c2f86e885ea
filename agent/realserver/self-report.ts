// The realserver agent's own checks, run again every --self-check-interval (default 10 s,
// the first round at a random point of the first interval, so agents started together do
// not all check at the same moment) against the last applied plan: the verifier's pure checks (VIP, ARP, routes, FTP range)
// plus "the service port is listening". A check whose status changes is an event in the
// health history and a log line, so `lvsctl health` shows a realserver that broke after
// the rollout.
import type { Logger } from 'winston';
import { samePlanApartFromGeneration, type RealserverPlan } from '../../lvs/host-plan';
import { listeningAt, type ListeningSocket, type ReadListening } from '../kernel/listening-sockets';
import type { HealthEventRecord, SelfCheckRecord } from '../../lvs/health/report';
import { portRuns, withoutRepeats } from '../../lvs/formats/port-runs';
import { realClock, type Clock } from '../clock';
import type { CheckResult } from './check-result';
import { checkId, evaluateRealserver } from './checks';
import type { RealserverKernel } from './kernel';
import { inspectRealserver } from './snapshot';

export const DEFAULT_SELF_CHECK_INTERVAL_MS = 10_000;

export interface SelfReportOptions {
  kernel: RealserverKernel;
  readListening: ReadListening;
  /** where each finding goes: the agent's health history */
  history: { record(event: HealthEventRecord): void };
  logger: Logger;
  intervalMs?: number;
  clock?: Clock;
  /** uniform in [0, 1): where in the first interval the loop's first round falls (injected in tests) */
  random?: () => number;
}

/**
 * One check per duty with ports: something listens on each of them, on a wildcard, a VIP or
 * the plan address. A host that is a destination at several ports of one service (NAT:
 * web1:8001 … web1:8010) gets one line naming them all, and, where some are missing, which.
 */
export function portListeningChecks(plan: RealserverPlan, sockets: readonly ListeningSocket[]): SelfCheckRecord[] {
  const checks: SelfCheckRecord[] = [];
  // each port's listeners looked up, not every socket scanned, for each of 10,000 duties' ports
  const byPort = new Map<number, ListeningSocket[]>();
  for (const s of sockets) {
    const list = byPort.get(s.port);
    if (list) list.push(s);
    else byPort.set(s.port, [s]);
  }
  const at = (port: number): readonly ListeningSocket[] => byPort.get(port) ?? [];
  for (const duty of plan.duties) {
    // the plan's ports are distinct (compile.ts); a repeat from elsewhere is checked once
    const ports = withoutRepeats(duty.ports ?? []);
    if (ports.length === 0) continue;
    const addresses = [plan.address, ...duty.vips];
    const runs = portRuns(ports);
    const target = `${duty.service} ${portsWord(ports)} ${runs}`;
    const listens = listeningAt(addresses);
    const missing = ports.filter((port) => !listens(at(port), port));
    if (missing.length === 0) {
      const each = ports.length === 1 ? `port ${runs}` : `each of ports ${runs}`;
      checks.push({ action: 'check-port-listening', target, status: 'ok', message: `something listens on ${each} for ${duty.service}` });
      continue;
    }
    const elsewhere = missing.flatMap((port) => at(port).map((s) => (missing.length === 1 ? s.address : `${s.address}:${s.port}`)));
    const named = `${portsWord(missing)} ${portRuns(missing)}`;
    checks.push({
      action: 'check-port-listening', target, status: 'failed',
      message: `nothing listens on tcp ${named} for ${duty.service}` +
        (elsewhere.length ? ` at 0.0.0.0, ${addresses.join(' or ')} (only at ${elsewhere.join(', ')})` : ''),
      fix: `start the server of ${duty.service} on ${named}, listening on 0.0.0.0 or ${duty.vips[0] ?? plan.address} (ss -ltn shows what listens)`,
    });
  }
  return checks;
}

/** of ports without repeats */
function portsWord(ports: readonly number[]): string {
  return ports.length === 1 ? 'port' : 'ports';
}

/** Somewhere in (0, interval]: never at once (start() follows the check of the plan read back), never later than without the spread. */
export function firstRoundDelayMs(intervalMs: number, uniform: number): number {
  const share = Math.min(Math.max(uniform, 0), 1);
  return Math.max(1, Math.round(intervalMs * (1 - share)));
}

function recordOf(c: CheckResult): SelfCheckRecord {
  return { action: c.action, target: c.target, status: c.status, message: c.message, ...(c.fix && c.status !== 'ok' ? { fix: c.fix } : {}) };
}

export class RealserverSelfReport {
  private plan: RealserverPlan | undefined;
  private checks: SelfCheckRecord[] = [];
  private checkedAt: Date | undefined;
  private cancel: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly clock: Clock;
  private readonly intervalMs: number;
  private readonly random: () => number;

  constructor(private readonly options: SelfReportOptions) {
    this.clock = options.clock ?? realClock;
    this.intervalMs = options.intervalMs ?? DEFAULT_SELF_CHECK_INTERVAL_MS;
    this.random = options.random ?? Math.random;
  }

  /**
   * The plan to check against from now on (after an apply, or read back at start); runs the
   * checks at once, unless they already ran against the same plan (a rollout that changed
   * nothing but the generation: its verify has just made the same checks, and the loop goes on).
   */
  setPlan(plan: RealserverPlan): Promise<void> {
    const same = this.plan !== undefined && this.checkedAt !== undefined && samePlanApartFromGeneration(this.plan, plan);
    this.plan = plan;
    return same ? Promise.resolve() : this.runOnce();
  }

  /**
   * Starts the loop: one round every interval, the first after a random part of it. Agents
   * of a site start together (a reboot, a package upgrade); with the same interval they would
   * otherwise read their kernels in the same second for as long as they run.
   */
  start(): void {
    if (this.cancel || this.stopped) return;
    const loop = (delayMs: number): void => {
      this.cancel = this.clock.after(delayMs, () => {
        this.runOnce().finally(() => { if (!this.stopped) loop(this.intervalMs); });
      });
    };
    loop(firstRoundDelayMs(this.intervalMs, this.random()));
  }

  stop(): Promise<void> {
    this.stopped = true;
    this.cancel?.();
    return this.running ?? Promise.resolve();
  }

  latest(): { checks: SelfCheckRecord[]; at?: Date; plan?: RealserverPlan } {
    return { checks: [...this.checks], ...(this.checkedAt ? { at: this.checkedAt } : {}), ...(this.plan ? { plan: this.plan } : {}) };
  }

  /** One round; rounds never overlap (a caller during a round waits for it and then runs its own). */
  runOnce(): Promise<void> {
    const previous = this.running ?? Promise.resolve();
    const round = previous.then(() => this.round());
    this.running = round;
    return round;
  }

  private async round(): Promise<void> {
    const plan = this.plan;
    if (!plan) return;
    let next: SelfCheckRecord[];
    try {
      const snapshot = await inspectRealserver(this.options.kernel, plan);
      // the listeners are read only for a plan with ports to check
      const sockets = plan.duties.some((d) => (d.ports ?? []).length > 0) ? await this.options.readListening() : [];
      next = [...evaluateRealserver(plan, snapshot).map(recordOf), ...portListeningChecks(plan, sockets)];
    } catch (err) {
      next = [{ action: 'self-check', target: plan.host, status: 'failed', message: `could not inspect this host: ${err instanceof Error ? err.message : String(err)}` }];
    }
    this.report(next);
  }

  private report(next: SelfCheckRecord[]): void {
    const at = this.clock.now();
    const before = new Map(this.checks.map((c) => [checkId(c), c]));
    const first = this.checkedAt === undefined;
    for (const c of next) {
      const was = before.get(checkId(c));
      // The first round only records what failed: "ok" after a rollout is no news.
      if (was ? was.status === c.status : first && c.status !== 'failed') continue;
      const message = `${c.action} ${c.target}: ${was ? `${was.status} → ` : ''}${c.status}: ${c.message}`;
      this.options.history.record({ at, kind: 'self-check', message });
      this.options.logger.log(c.status === 'failed' ? 'warn' : 'info', 'self-check changed', { action: c.action, target: c.target, from: was?.status, to: c.status, message: c.message });
    }
    this.checks = next;
    this.checkedAt = at;
  }
}
