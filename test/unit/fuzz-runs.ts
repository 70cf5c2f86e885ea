// How many cases a fuzz property runs: a few thousand in the host suite (kept under 20 s
// in all), as many as LVSCTL_FUZZ_RUNS says for a long run (scripts/fuzz-long.sh).
// LVSCTL_FUZZ_SEED replays a failing run with the seed fast-check printed.
import type fc from 'fast-check';

export function fuzzParameters(base: number): fc.Parameters<unknown> {
  const runs = Number(process.env.LVSCTL_FUZZ_RUNS);
  const seed = Number(process.env.LVSCTL_FUZZ_SEED);
  return {
    numRuns: Number.isSafeInteger(runs) && runs > 0 ? runs : base,
    ...(Number.isSafeInteger(seed) ? { seed } : {}),
  };
}

/** The mocha timeout of a fuzz suite: none for a long run, generous for the host suite's few thousand cases. */
export function fuzzTimeoutMs(): number {
  return process.env.LVSCTL_FUZZ_RUNS ? 0 : 60_000;
}

/** Runs `work` and fails if one case takes longer than `limitMs`: a hang or a blow-up shows as a slow case. */
export function timed<T>(limitMs: number, what: string, work: () => T): T {
  const started = process.hrtime.bigint();
  const result = work();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (ms > limitMs) throw new Error(`${what} took ${ms.toFixed(0)} ms (limit ${limitMs} ms)`);
  return result;
}
