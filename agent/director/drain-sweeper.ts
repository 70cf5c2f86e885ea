// The drain sweep: deletes the draining destinations whose connections have ended (or whose
// drain timed out) with one listing of the table and one batch, and keeps the drain list in
// the ownership file in step. Run by the applier at the start of every apply, and by the
// agent's main on a timer through createDrainSweeper (as one exclusive write).
import { errorMessage } from '../../lvs/errors';
import type winston from 'winston';
import type { Ipvs } from '../kernel/ipvs';
import type { IpvsWriter } from '../kernel/ipvs-writer';
import { destinationConnectionsOf, type DestinationConnections, type ListedService } from '../../lvs/ipvs-reading';
import { serviceKeyString } from '../../lvs/model';
import { readOwnership, writeOwnership, type DrainingDestination } from '../state/ownership';
import { decideSweep, drainTarget } from './drain';
import type { IpvsOperation } from '../../lvs/operations';

export interface DrainSweepOptions {
  stateDir: string;
  ipvs: Ipvs;
  /** ms since the epoch */
  now: () => number;
  /** a drain ends at the latest this long after it began, connections or not */
  timeoutMs: number;
  logger: winston.Logger;
}

export interface DrainSweepResult {
  /** destinations deleted, "tcp 10.0.0.100:80 -> 10.0.0.12:80" */
  removed: string[];
  /** destinations still draining */
  waiting: string[];
}

/** What a sweep did, in enough detail for the applier's events. */
export interface SweepReport {
  removed: Array<{ target: string; why: string }>;
  waiting: Array<{ target: string; active: number; inactive: number; since: number }>;
  /** why the deletions (some or all) did not happen; the list keeps what is still there */
  failure?: string;
}

/** For the agent's main: call sweep() on an interval; it waits for any apply under way. */
export function createDrainSweeper(opts: Omit<DrainSweepOptions, 'ipvs'> & { writer: IpvsWriter }): { sweep(): Promise<DrainSweepResult> } {
  return {
    sweep: () =>
      opts.writer.exclusive(async (ipvs) => {
        const report = await sweepDrains({ ...opts, ipvs });
        if (report.failure !== undefined) throw new Error(report.failure);
        return { removed: report.removed.map((r) => r.target), waiting: report.waiting.map((w) => w.target) };
      }),
  };
}

/**
 * One sweep; the caller holds the state dir's queue. Rejects when the ownership file or the
 * connections cannot be read (nothing changed then); a refused deletion is a report with
 * `failure`, after the drain list was brought in line with what the kernel holds.
 */
export async function sweepDrains(opts: DrainSweepOptions): Promise<SweepReport> {
  const ownership = await readOwnership(opts.stateDir);
  if (ownership.draining.length === 0) return { removed: [], waiting: [] };
  const decision = decideSweep(ownership.draining, connectionsOfDraining(await opts.ipvs.list(), ownership.draining), opts.now(), opts.timeoutMs);
  const waiting = decision.keep.map(({ entry, active, inactive }) => ({ target: drainTarget(entry), active, inactive, since: entry.since }));
  for (const entry of decision.gone) opts.logger.info('drain list: destination no longer in the kernel, dropped', { target: drainTarget(entry) });

  const ops: IpvsOperation[] = decision.remove.map(({ entry, destination }) => ({ op: 'delete-destination', key: entry.service, destination }));
  let removed = decision.remove;
  let failure: string | undefined;
  try {
    if (ops.length > 0) await opts.ipvs.applyBatch(ops);
  } catch (error) {
    // -R goes on past a refused line: find out which deletions took effect.
    failure = `drain sweep: deleting ${ops.length} drained destination(s) failed: ${errorMessage(error)}`;
    const left = new Map(connectionsOfDraining(await opts.ipvs.list(), ownership.draining).map((c) => [drainTarget({ service: c.service, ...c.destination }), c]));
    removed = decision.remove.filter((r) => !left.has(drainTarget(r.entry)));
    const stuck = decision.remove.filter((r) => left.has(drainTarget(r.entry)));
    for (const r of stuck) {
      const counts = left.get(drainTarget(r.entry));
      waiting.push({ target: drainTarget(r.entry), active: counts?.active ?? 0, inactive: counts?.inactive ?? 0, since: r.entry.since });
    }
    opts.logger.error(failure, { stillThere: stuck.map((r) => drainTarget(r.entry)) });
  }

  const removedTargets = new Set(removed.map((r) => drainTarget(r.entry)));
  const goneTargets = new Set(decision.gone.map(drainTarget));
  const draining = ownership.draining.filter((e) => !removedTargets.has(drainTarget(e)) && !goneTargets.has(drainTarget(e)));
  if (draining.length !== ownership.draining.length) await writeOwnership(opts.stateDir, { ...ownership, draining });
  for (const r of removed) opts.logger.info('drained destination deleted', { target: drainTarget(r.entry), why: r.why });
  return { removed: removed.map((r) => ({ target: drainTarget(r.entry), why: r.why })), waiting, ...(failure !== undefined ? { failure } : {}) };
}

/**
 * The connection counts of the services something drains in: a drain or two must not cost a
 * walk over every one of 200,000 destinations (each named as a string) at every sweep.
 */
function connectionsOfDraining(listing: readonly ListedService[], draining: readonly DrainingDestination[]): DestinationConnections[] {
  const services = new Set(draining.map((e) => serviceKeyString(e.service)));
  return destinationConnectionsOf(listing.filter((s) => services.has(serviceKeyString(s.service.key))));
}
