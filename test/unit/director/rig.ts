// A director applier on the fake kernel with a clock the test moves, and helpers to read
// what it reported. For the drain, foreign-service and mark-chain specifications.
import { silentLogger } from '../../../agent/logging';
import { IpvsWriter } from '../../../agent/kernel/ipvs-writer';
import type { ApplyEvent, ApplyMode, ResultEvent, StepEvent } from '../../../lvs/apply-events';
import { createDirectorApplier } from '../../../agent/director/applier';
import type { HostPlan } from '../../../lvs/host-plan';
import { FakeIpvs } from '../../../agent/kernel/fake/ipvs';
import { FakeMarks } from '../../../agent/kernel/fake/marks';
import type { Marks } from '../../../agent/kernel/marks';
import type { NatPathSource } from '../../../agent/director/nat-path-ahead';
import { tempDir } from '../../temp-dirs';

export const silent = silentLogger();

/** 2026-01-01T00:00:00Z: a fixed start, so times in messages are predictable */
export const T0 = Date.UTC(2026, 0, 1);

export interface Rig {
  ipvs: FakeIpvs;
  marks: FakeMarks;
  /** the IPv6 mangle table, when the rig was given one */
  marks6?: FakeMarks;
  stateDir: string;
  clock: { now: number };
  run(plan: HostPlan, mode?: ApplyMode): Promise<{ result: ResultEvent; events: ApplyEvent[] }>;
}

export async function directorRig(init: {
  ipvs?: FakeIpvs; marks?: FakeMarks; marks6?: FakeMarks; drainTimeoutMs?: number; stateDir?: string;
  /** the door the applier is handed over the fake mangle table (default: the fake itself) */
  marksDoor?: (marks: FakeMarks) => Marks;
  /** the LVS-NAT path check's readings (default: none, not checked) */
  natPath?: NatPathSource;
} = {}): Promise<Rig> {
  const stateDir = init.stateDir ?? (await tempDir('lvsctl-director-'));
  const ipvs = init.ipvs ?? new FakeIpvs();
  const marks = init.marks ?? new FakeMarks();
  const clock = { now: T0 };
  const applier = createDirectorApplier({
    stateDir,
    logger: silent,
    kernel: { ipvs: new IpvsWriter(ipvs), marks: init.marksDoor ? init.marksDoor(marks) : marks, ...(init.marks6 ? { marks6: init.marks6 } : {}), ...(init.natPath ? { natPath: init.natPath } : {}) },
    now: () => clock.now,
    ...(init.drainTimeoutMs !== undefined ? { drainTimeoutMs: init.drainTimeoutMs } : {}),
  });
  return {
    ipvs,
    marks,
    ...(init.marks6 ? { marks6: init.marks6 } : {}),
    stateDir,
    clock,
    async run(plan, mode = 'apply') {
      const events: ApplyEvent[] = [];
      const result = await applier.apply(plan, mode, (e) => events.push(e));
      return { result, events };
    },
  };
}

export const notices = (events: ApplyEvent[]): string[] => events.flatMap((e) => (e.kind === 'notice' ? [e.message] : []));
export const steps = (events: ApplyEvent[]): StepEvent[] => events.flatMap((e) => (e.kind === 'step' ? [e] : []));
export const stepLines = (events: ApplyEvent[]): string[] => steps(events).map((s) => `${s.action} ${s.target} ${s.status}`);
