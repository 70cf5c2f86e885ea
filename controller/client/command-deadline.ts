// The one bound of a whole fleet command (--deadline): every call it makes ends by then,
// whatever the agents do. Without --deadline it is derived from --timeout and the waves
// of agents the command asks (docs/reliability.md).

/** An absolute end for every call of one command, and how messages name it. */
export interface CommandDeadline {
  /** epoch milliseconds */
  at: number;
  /** "the command's deadline (--deadline 3s)" */
  text: string;
}

/** What the command line gave: --timeout per call, --deadline for the whole command. */
export interface DeadlineOptions {
  timeoutMs: number;
  /** absent: derived */
  deadlineMs?: number;
}

/** What a rollout allows for its two apply phases together (the former per-apply bound). */
export const APPLY_ALLOWANCE_MS = 30 * 60 * 1000;

/** How many rounds of at most `parallel` agents asking `hosts` agents takes. */
export function waves(hosts: number, parallel: number): number {
  return Math.max(1, Math.ceil(hosts / Math.max(1, parallel)));
}

/** health, status, connections: one --timeout per wave of agents, and one more to spare. */
export function readsDeadlineMs(timeoutMs: number, hosts: number, parallel: number): number {
  return timeoutMs * (waves(hosts, parallel) + 1);
}

/** rollout: one --timeout per wave of the connect phase, then 30 minutes for the applies. */
export function rolloutDeadlineMs(timeoutMs: number, hosts: number, parallel: number): number {
  return timeoutMs * waves(hosts, parallel) + APPLY_ALLOWANCE_MS;
}

/** "3s", "2m", "1500ms": the form --timeout and --deadline take. */
export function formatDuration(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** The command's deadline from its start: the one given, or the derived one. */
export function commandDeadline(startedAt: number, options: DeadlineOptions, derivedMs: number): CommandDeadline {
  if (options.deadlineMs !== undefined) {
    return { at: startedAt + options.deadlineMs, text: `the command's deadline (--deadline ${formatDuration(options.deadlineMs)})` };
  }
  return { at: startedAt + derivedMs, text: `the command's deadline (${formatDuration(derivedMs)}, derived from --timeout; set it with --deadline)` };
}
