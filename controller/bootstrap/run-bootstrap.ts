// lvsctl bootstrap over the hosts of a plan: at most --parallel hosts at once, each within
// its own deadline (--host-deadline), their agents restarted one at a time and none after a
// failed one (restart-gate.ts), a line per step as it happens, a recap per host, and the exit
// code of the other commands (a failure beats an unreachable host).
import { EXIT } from '../exit-codes';
import { mapBounded } from '../../lvs/map-bounded';
import { bootstrapHost, type BootstrapDeps, type BootstrapHostInput, type BootstrapShared, type HostOutcome } from './bootstrap-host';
import { maxOf } from '../../lvs/append';
import { RestartGate } from './restart-gate';

export interface BootstrapRun {
  hosts: BootstrapHostInput[];
  shared: BootstrapShared;
  parallel: number;
  hostDeadlineMs: number;
  /** --deadline: every host ends by then (Date.now() ms), whatever its own deadline leaves */
  deadlineAt?: number;
}

export function bootstrapExitCode(outcomes: readonly HostOutcome[]): number {
  if (outcomes.some((o) => o.status === 'failed')) return EXIT.hostFailed;
  if (outcomes.some((o) => o.status === 'unreachable')) return EXIT.unreachable;
  return EXIT.ok;
}

export async function runBootstrap(run: BootstrapRun, deps: BootstrapDeps): Promise<HostOutcome[]> {
  const restarts = new RestartGate(run.hosts.filter((h) => h.role === 'realserver').length);
  // realservers taken first, so a director waiting for them (restart-gate.ts) never holds a
  // place they need; the recap keeps the plan's order
  const order = run.hosts.map((host, index) => ({ host, index })).sort((a, b) => roleRank(a.host) - roleRank(b.host) || a.index - b.index);
  const outcomes = await mapBounded(order, run.parallel, async ({ host }) => {
    const abort = new AbortController();
    const left = run.deadlineAt === undefined ? Infinity : run.deadlineAt - Date.now();
    // the abort's reason names the deadline that ended the host (bootstrap-host.ts says which)
    // no time left: the host fails before it issues a certificate or calls ssh
    if (left <= 0) abort.abort('--deadline');
    const timer = left < run.hostDeadlineMs
      ? setTimeout(() => abort.abort('--deadline'), Math.max(0, left))
      : setTimeout(() => abort.abort('--host-deadline'), run.hostDeadlineMs);
    try {
      return await bootstrapHost(host, run.shared, deps, abort.signal, restarts);
    } finally {
      clearTimeout(timer);
      restarts.hostDone(host.role);
    }
  });
  const inPlanOrder: HostOutcome[] = new Array<HostOutcome>(outcomes.length);
  order.forEach(({ index }, i) => { inPlanOrder[index] = outcomes[i]; });
  return inPlanOrder;
}

function roleRank(host: BootstrapHostInput): number {
  return host.role === 'realserver' ? 0 : 1;
}

/** The recap: one line per host, then what a second run would say. */
export function recapLines(outcomes: readonly HostOutcome[], check: boolean): string[] {
  const width = maxOf(outcomes.map((o) => o.host.length), 4);
  const lines = outcomes.map((o) => {
    const head = `${o.host.padEnd(width)}  ${(check && o.status === 'changed' ? 'would change' : o.status).padEnd(12)}`;
    if (o.failure) return `${head}  step ${o.failure.step}: ${o.failure.reason}`;
    if (o.status === 'ok') return `${head}  nothing to change${o.agent ? `; agent answered (${o.agent.role} ${o.agent.version})` : ''}`;
    const what = `${o.steps.length} step(s): ${o.steps.join(', ')}`;
    return `${head}  ${check ? `${what}${o.certificate === 'would-issue' ? ' (and issue its certificate)' : ''}` : `${what}${o.agent ? `; agent answered (${o.agent.role} ${o.agent.version})` : ''}`}`;
  });
  const changed = outcomes.filter((o) => o.status === 'changed').length;
  const ok = outcomes.filter((o) => o.status === 'ok').length;
  const failed = outcomes.filter((o) => o.status === 'failed').length;
  const unreachable = outcomes.filter((o) => o.status === 'unreachable').length;
  const summary = check
    ? `check: ${changed} host(s) would change, ${ok} unchanged, ${failed} failed, ${unreachable} unreachable; nothing was changed`
    : changed === 0 && failed === 0 && unreachable === 0
      ? `${ok} host(s) unchanged: nothing to do`
      : `${changed} host(s) changed, ${ok} unchanged, ${failed} failed, ${unreachable} unreachable`;
  return [...lines, summary];
}
