// The director's health as the Health RPC shows it: the monitor's rows joined with the
// kernel's own weights and connection counts (the IPVS door's listing), and every transition
// and notice kept in the history and logged.
import type { Logger } from 'winston';
import { destinationKeyString, serviceKeyString } from '../../lvs/model';
import type { ListedDestination, ListedService } from '../../lvs/ipvs-reading';
import type { HealthSource, HealthView } from './health-source';
import type { HealthHistory } from './history';
import type { HealthMonitor } from './monitor';
import type { HealthRow, SelfCheckRecord } from '../../lvs/health/report';

/** Sends every transition and notice of the monitor to the history and the log; returns the unsubscriber. */
export function recordMonitorEvents(monitor: Pick<HealthMonitor, 'on'>, history: HealthHistory, logger: Logger): () => void {
  const offTransition = monitor.on('transition', (t) => {
    history.record({ at: t.at, kind: 'transition', service: t.service, host: t.host, address: t.address, from: t.from, to: t.to, message: t.reason });
    logger.log(t.to === 'down' ? 'warn' : 'info', 'health transition', { service: t.service, host: t.host, address: t.address, from: t.from, to: t.to, reason: t.reason });
  });
  const offNotice = monitor.on('notice', (n) => {
    history.record({
      at: n.at, kind: n.kind, service: n.service, message: n.message,
      ...(n.host !== undefined ? { host: n.host } : {}), ...(n.address !== undefined ? { address: n.address } : {}),
    });
    logger.warn('health notice', { kind: n.kind, service: n.service, host: n.host, address: n.address, message: n.message });
  });
  return () => { offTransition(); offNotice(); };
}

export interface DirectorHealthSourceOptions {
  monitor: Pick<HealthMonitor, 'snapshot'>;
  /** also where a change of the table's read (it failed, it reads again) is recorded, as a self-check event */
  history: HealthHistory;
  /** logs that change (warn when the read fails) */
  logger?: Pick<Logger, 'log'>;
  /** the event's time; the real clock by default */
  now?: () => Date;
  /** the kernel's table; a failed read leaves the kernel columns empty and is a failed self-check */
  readKernel?: () => Promise<ListedService[]>;
  /** true once a plan was applied (or read back at start) */
  hasPlan: () => boolean;
}

const READ_ACTION = 'read-ipvs-table';
const READ_TARGET = 'IPVS';

export function directorHealthSource(options: DirectorHealthSourceOptions): HealthSource {
  // The read's last outcome: every view reads the table (a watch's heartbeat too, every 15 s),
  // and a change is an event, so that lvsctl health --watch prints a line when the director
  // stops (or starts again) reading its table, as it does for a realserver's own check.
  let lastRead: { failed: boolean; message: string } | undefined;
  const noteRead = (failed: boolean, message: string): void => {
    const was = lastRead;
    lastRead = { failed, message };
    // the first read is news only when it fails: "ok" at start says nothing
    if (was ? was.failed === failed : !failed) return;
    const from = was ? `${was.failed ? 'failed' : 'ok'} → ` : '';
    const to = failed ? 'failed' : 'ok';
    options.history.record({ at: (options.now ?? (() => new Date()))(), kind: 'self-check', message: `${READ_ACTION} ${READ_TARGET}: ${from}${to}: ${message}` });
    options.logger?.log(failed ? 'warn' : 'info', 'self-check changed', { action: READ_ACTION, target: READ_TARGET, from: was ? (was.failed ? 'failed' : 'ok') : undefined, to, message });
  };
  return {
    history: options.history,
    async view(): Promise<HealthView> {
      const listing = options.readKernel ? await options.readKernel().catch((err: unknown) => err instanceof Error ? err : new Error(String(err))) : undefined;
      const kernel = new Map<string, ListedDestination>();
      if (Array.isArray(listing)) {
        for (const s of listing) for (const d of s.destinations) kernel.set(`${serviceKeyString(s.service.key)} -> ${destinationKeyString(d.destination)}`, d);
      }
      const targets: HealthRow[] = options.monitor.snapshot().targets.map((t) => {
        const k = kernel.get(`${serviceKeyString(t.serviceKey)} -> ${t.address}`);
        return {
          service: t.service, serviceKey: t.serviceKey, host: t.host, address: t.address, checked: t.checked, state: t.state,
          plannedWeight: t.plannedWeight, currentWeight: t.currentWeight, keptLast: t.keptLast, reason: t.reason,
          ...(t.lastCheckAt ? { lastCheckAt: t.lastCheckAt } : {}),
          ...(t.lastLatencyMs !== undefined ? { lastLatencyMs: t.lastLatencyMs } : {}),
          ...(k ? { kernel: { weight: k.destination.weight, activeConnections: k.activeConnections, inactiveConnections: k.inactiveConnections } } : {}),
        };
      });
      // A director that cannot read its table cannot tell what it forwards: a failed check of
      // its own, so that lvsctl health says so and exits 2, not a note beside an all-clear. The
      // note stays too: a controller of an earlier release shows only realservers' checks.
      const unread = listing instanceof Error ? `the IPVS table could not be read (${listing.message}): kernel weights and connections are missing` : undefined;
      if (listing !== undefined) noteRead(unread !== undefined, unread ?? 'the IPVS table reads again');
      const notes = [...(options.hasPlan() ? [] : ['no plan applied yet: run lvsctl rollout']), ...(unread ? [unread] : [])];
      const selfChecks: SelfCheckRecord[] = unread ? [{
        action: READ_ACTION,
        target: READ_TARGET,
        status: 'failed',
        message: unread,
        fix: 'check that the ip_vs module is loaded (lsmod | grep ip_vs) and see the agent\'s log',
      }] : [];
      return { targets, selfChecks, ...(notes.length ? { note: notes.join('; ') } : {}) };
    },
  };
}
