// Defaults of lvsctl rollout that its help names: kept apart so the help loads without the rollout.
/** at most this many agents connected to or applied at once, unless --parallel says otherwise */
export const DEFAULT_PARALLEL = 10;
/** the most --parallel takes (rollout and bootstrap): each agent at once is a socket and a TLS session open at once */
export const MAX_PARALLEL = 1000;

/**
 * --parallel as rollout and bootstrap read it: a whole number 1..MAX_PARALLEL (spaces around
 * it allowed), DEFAULT_PARALLEL when absent; otherwise the message that says what it takes.
 */
export function parallelOf(text: string | undefined): { ok: true; parallel: number } | { ok: false; message: string } {
  if (text === undefined) return { ok: true, parallel: DEFAULT_PARALLEL };
  const trimmed = text.trim();
  if (!/^[1-9][0-9]*$/.test(trimmed) || Number(trimmed) > MAX_PARALLEL) {
    return { ok: false, message: `--parallel ${JSON.stringify(text)}: must be a whole number from 1 to ${MAX_PARALLEL}, e.g. --parallel 5` };
  }
  return { ok: true, parallel: Number(trimmed) };
}
