// Everything an agent runs beside its applier, wired by role: on a director the health
// monitor (with the kernel's weight control), the Status and Connections readers; on a
// realserver its periodic self-checks. Both keep the last applied plan and resume from it
// at start, feed the metrics, and keep a bounded history of events. Every kernel door
// (the IPVS writer, procfs, listening sockets, the realserver kernel) is injected.
import type { Logger } from 'winston';
import type { HostApplier } from '../../lvs/apply-events';
import { samePlanApartFromGeneration, type DirectorService, type HostPlan } from '../../lvs/host-plan';
import type { IpvsWriter } from '../kernel/ipvs-writer';
import { destinationKeyString, serviceKeyString, type Destination } from '../../lvs/model';
import type { MetricsRecorder } from '../metrics/metrics-recorder';
import { bindHealthMonitor } from '../metrics/bind-health';
import { ipvsStatusSource } from '../metrics/ipvs-status';
import type { RealserverKernel } from '../realserver/kernel';
import { RealserverSelfReport } from '../realserver/self-report';
import type { StatusSource } from '../../lvs/status';
import { lastPlanFileExists, readLastPlan, writeLastPlan } from '../state/last-plan';
import { readOwnership } from '../state/ownership';
import type { AgentRole } from '../../lvs/wire/enum-names';
import { directorHealthSource, recordMonitorEvents } from './director-health';
import type { HealthSource } from './health-source';
import { HealthHistory } from './history';
import { ipvsWeightControl } from './ipvs-weight-control';
import type { ReadListening } from '../kernel/listening-sockets';
import { HealthMonitor } from './monitor';
import { ensureExpireQuiescentTemplate, type ProcFiles } from './quiescent-templates';
import type { RunCheck } from './checkers';
import type { Clock } from '../clock';
import { realserverHealthSource } from './realserver-health';
import { withAppliedPlanHooks } from './wire-up';

export interface AgentHealthOptions {
  role: AgentRole;
  stateDir: string;
  logger: Logger;
  metrics: MetricsRecorder;
  /** director: the one writer of the IPVS table (and, through it, the table to read) */
  ipvs?: IpvsWriter;
  /** director: /proc/sys for expire_quiescent_template */
  procFiles: ProcFiles;
  /** realserver: what it reads to check itself */
  realserverKernel?: () => RealserverKernel;
  readListening?: ReadListening;
  selfCheckIntervalMs?: number;
  /** tests: fake checks and time */
  runCheck?: RunCheck;
  clock?: Clock;
}

export interface AgentHealth {
  /** the applier, wrapped: timed, counted, and followed by the plan hand-over */
  wrap(applier: HostApplier): HostApplier;
  health: HealthSource;
  history: HealthHistory;
  status?: StatusSource;
  /** director: the weight an apply must give a planned destination (0 for one known to be down) */
  wantedWeight?: (service: DirectorService, destination: Destination) => number;
  /** director: wantedWeight is the plan's weight for every destination just now (none down, no sorry server) */
  holdsNone?: () => boolean;
  /** sets expire_quiescent_template (director), resumes from the last applied plan, starts loops */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createAgentHealth(options: AgentHealthOptions): AgentHealth {
  return options.role === 'director' ? directorHealth(options) : realserverHealth(options);
}

function wrapWith(options: AgentHealthOptions, handOver: (plan: HostPlan) => Promise<void>): (applier: HostApplier) => HostApplier {
  // the plan this process last wrote to the file: the same plan again (a new generation of it) is not written again
  let kept: HostPlan | undefined;
  return (applier) => withAppliedPlanHooks(applier, {
    logger: options.logger,
    recordApply: (outcome, seconds) => options.metrics.recordApply(outcome, seconds),
    afterApply: async (plan, received) => {
      const started = performance.now();
      const unchanged = kept !== undefined && samePlanApartFromGeneration(kept, plan) && await lastPlanFileExists(options.stateDir);
      if (!unchanged) {
        kept = undefined;
        await writeLastPlan(options.stateDir, plan, received?.bytes);
        kept = plan;
      }
      const written = performance.now();
      await handOver(plan);
      // the apply's account continues here (its parts are in "director apply finished")
      options.logger.info('applied plan kept and handed over', {
        host: plan.host, generation: plan.generation, lastPlanMs: Math.round(written - started), handOverMs: Math.round(performance.now() - written),
        ...(unchanged ? { lastPlan: 'unchanged but for its generation: not written again' } : {}),
      });
    },
  });
}

async function lastPlanOrNothing(options: AgentHealthOptions): Promise<HostPlan | undefined> {
  try {
    return await readLastPlan(options.stateDir);
  } catch (err) {
    options.logger.warn('cannot resume health checks from the last applied plan', { error: err instanceof Error ? err.message : String(err) });
    return undefined;
  }
}

function directorHealth(options: AgentHealthOptions): AgentHealth {
  const writer = options.ipvs;
  if (!writer) throw new Error('a director agent needs its IPVS writer');
  const ipvs = writer.table;
  const history = new HealthHistory();
  const monitor = new HealthMonitor({
    weights: ipvsWeightControl(writer),
    ...(options.runCheck ? { runCheck: options.runCheck } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  recordMonitorEvents(monitor, history, options.logger);
  bindHealthMonitor(options.metrics, monitor);
  const readList = () => ipvs.list();
  options.metrics.readIpvsFrom(readList);
  const clock = options.clock;
  let hasPlan = false;
  const handOver = async (plan: HostPlan): Promise<void> => {
    if (plan.role !== 'director') return;
    hasPlan = true;
    await monitor.update(plan.services);
  };
  return {
    wrap: wrapWith(options, handOver),
    history,
    health: directorHealthSource({
      monitor, history, readKernel: readList, hasPlan: () => hasPlan, logger: options.logger,
      ...(clock ? { now: () => clock.now() } : {}),
    }),
    status: ipvsStatusSource(ipvs, async () => (await readOwnership(options.stateDir)).services),
    wantedWeight: (service, destination) => monitor.wantedWeight(service, destination),
    holdsNone: () => monitor.holdsNone(),
    async start() {
      try {
        const outcome = await ensureExpireQuiescentTemplate(options.procFiles);
        options.logger.info(outcome.changed
          ? `set ${outcome.path} to 1 (was ${outcome.before}): a quiesced realserver's persistence templates expire instead of pinning clients to it`
          : `${outcome.path} is already 1`, { path: outcome.path, before: outcome.before });
      } catch (err) {
        options.logger.warn('persistence templates may keep sending clients to a quiesced realserver', { error: err instanceof Error ? err.message : String(err) });
      }
      const last = await lastPlanOrNothing(options);
      if (last?.role !== 'director') return;
      // The kernel may still hold weights an earlier run set (0 for a quiesced realserver).
      const kernel = await readList().catch((err: unknown) => {
        options.logger.warn('cannot read the IPVS table to resume health checks: every realserver starts at its plan weight', { error: err instanceof Error ? err.message : String(err) });
        return [];
      });
      const weights = new Map(kernel.flatMap((s) => s.destinations.map((d) => [`${serviceKeyString(s.service.key)} -> ${destinationKeyString(d.destination)}`, d.destination.weight] as const)));
      hasPlan = true;
      await monitor.update(last.services, (key, d) => weights.get(`${serviceKeyString(key)} -> ${destinationKeyString(d)}`));
      options.logger.info('health checks resumed from the last applied plan', { generation: last.generation, services: last.services.length });
    },
    stop: async () => {
      await monitor.stop();
      await writer.idle();
    },
  };
}

function realserverHealth(options: AgentHealthOptions): AgentHealth {
  const history = new HealthHistory();
  if (!options.realserverKernel || !options.readListening) throw new Error('a realserver agent needs its kernel and a listening-socket reader');
  const selfReport = new RealserverSelfReport({
    kernel: options.realserverKernel(),
    readListening: options.readListening,
    history,
    logger: options.logger,
    ...(options.selfCheckIntervalMs ? { intervalMs: options.selfCheckIntervalMs } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const handOver = (plan: HostPlan): Promise<void> => {
    // A new plan's first round runs on its own: the apply's result waits for the hand-over
    // (agent-service.ts), and the verify that just ended checked the same things.
    if (plan.role === 'realserver') {
      selfReport.setPlan(plan).catch((err: unknown) =>
        options.logger.warn('self-check round failed', { error: err instanceof Error ? err.message : String(err) }));
    }
    return Promise.resolve();
  };
  return {
    wrap: wrapWith(options, handOver),
    history,
    health: realserverHealthSource(selfReport, history),
    async start() {
      const last = await lastPlanOrNothing(options);
      if (last?.role === 'realserver') {
        await selfReport.setPlan(last);
        options.logger.info('self-checks resumed from the last applied plan', { generation: last.generation });
      }
      selfReport.start();
    },
    stop: () => selfReport.stop(),
  };
}
