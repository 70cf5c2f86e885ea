// Keeps each host's counters and end state as events pass by, and turns them into the
// recap. Counters follow Ansible: `ok` counts every step that succeeded, changed or not,
// so `ok=3 changed=2` reads "three steps fine, two of them changed something".
import type { ApplyMode, StepEvent } from '../../lvs/apply-events';
import type { HostDoneEvent, HostRecap, HostRole, HostStatus, RolloutEvent } from './events';
import type { FailedChecks } from './gate';

/**
 * The failed checks named per host (all are counted): the names go into one line of the
 * report, and an agent that streams a million failed steps must not fill the controller's
 * memory with them. A name longer than CHECK_NAME_CHARS is cut there.
 */
export const FAILED_CHECKS_NAMED = 20;
const CHECK_NAME_CHARS = 200;

function checkName(step: StepEvent): string {
  const name = `${step.action} ${step.target}`;
  return name.length > CHECK_NAME_CHARS ? `${name.slice(0, CHECK_NAME_CHARS)}…` : name;
}

interface HostEntry {
  role: HostRole;
  mode: ApplyMode;
  status?: HostStatus;
  reason?: string;
  ok: number;
  changed: number;
  failed: number;
  skipped: number;
  /** the result's own count, when it says more changed than the steps showed */
  resultChanged: number;
  failedChecks: FailedChecks;
}

export class RolloutLedger {
  private readonly entries = new Map<string, HostEntry>();

  /** Registers a host before any of its events arrive; recap order is registration order. */
  track(host: string, role: HostRole, mode: ApplyMode): void {
    this.entries.set(host, {
      role, mode, ok: 0, changed: 0, failed: 0, skipped: 0, resultChanged: 0, failedChecks: { count: 0, names: [] },
    });
  }

  record(event: RolloutEvent): void {
    if (event.kind === 'agent') {
      const entry = this.entries.get(event.host);
      if (!entry) return;
      const e = event.event;
      if (e.kind === 'step') {
        if (e.status === 'ok') entry.ok++;
        if (e.status === 'changed') { entry.ok++; entry.changed++; }
        if (e.status === 'failed') {
          entry.failed++;
          entry.failedChecks.count++;
          if (entry.failedChecks.names.length < FAILED_CHECKS_NAMED) entry.failedChecks.names.push(checkName(e));
        }
        if (e.status === 'skipped') entry.skipped++;
      } else if (e.kind === 'result') {
        entry.resultChanged = e.changed;
      }
    } else if (event.kind === 'host-done') {
      this.finish(event);
    }
  }

  private finish(event: HostDoneEvent): void {
    const entry = this.entries.get(event.host);
    if (!entry) return;
    entry.status = event.status;
    entry.mode = event.mode;
    if (event.reason !== undefined) entry.reason = event.reason;
  }

  isDone(host: string): boolean {
    return this.entries.get(host)?.status !== undefined;
  }

  statusOf(host: string): HostStatus | undefined {
    return this.entries.get(host)?.status;
  }

  /**
   * How many steps of the host failed, and "check-arp_ignore net.ipv4.conf.all.arp_ignore" for
   * the first FAILED_CHECKS_NAMED: the names only, since each step's message and fix were
   * already streamed on its own line.
   */
  failedChecksOf(host: string): FailedChecks {
    const checks = this.entries.get(host)?.failedChecks;
    return checks ? { count: checks.count, names: [...checks.names] } : { count: 0, names: [] };
  }

  reasonOf(host: string): string | undefined {
    return this.entries.get(host)?.reason;
  }

  recap(): HostRecap[] {
    return [...this.entries].map(([host, e]) => {
      const status = e.status ?? 'skipped';
      return {
        host,
        role: e.role,
        mode: e.mode,
        status,
        // a step may carry several changes (a service added with its realservers): the result's
        // count is then the larger, and those changes were fine steps too
        ok: e.ok + Math.max(0, e.resultChanged - e.changed),
        changed: Math.max(e.changed, e.resultChanged),
        // A host that failed without a failed step (a role mismatch, an error) still counts one failure.
        failed: status === 'failed' ? Math.max(e.failed, 1) : e.failed,
        unreachable: status === 'unreachable' ? 1 : 0,
        skipped: status === 'skipped' ? Math.max(e.skipped, 1) : e.skipped,
        ...(e.reason !== undefined ? { reason: e.reason } : {}),
      };
    });
  }
}
