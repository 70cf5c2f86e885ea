// Driving the profiling hook (bench/agent-hook.ts) of an agent the bench started: the
// environment that preloads it, and the two SIGUSR2 that start and stop its profile. The
// hook answers each through a file (OUT.started, then OUT), polled here within a bound.
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DIST, sleep } from './proc';

const POLL_MS = 100;

/**
 * Added to an agent's environment: the hook preloaded, its profile to be written to `out`,
 * with the event loop's stalls timed too unless `stalls` is false.
 */
export function profileHookEnv(out: string, intervalUs: number, stalls = true): Record<string, string> {
  return {
    NODE_OPTIONS: `--require ${join(DIST, 'bench', 'agent-hook.js')}`, BENCH_PROFILE_OUT: out, BENCH_PROFILE_INTERVAL_US: String(intervalUs),
    BENCH_PROFILE_STALLS: stalls ? '1' : '0',
  };
}

/** The first SIGUSR2 (an earlier profile at `out` removed first): true once the profile runs. */
export async function startHookProfile(pid: number, out: string, waitMs: number): Promise<boolean> {
  await rm(out, { force: true });
  await rm(`${out}.started`, { force: true });
  process.kill(pid, 'SIGUSR2');
  for (let waited = 0; waited < waitMs && !existsSync(`${out}.started`); waited += POLL_MS) await sleep(POLL_MS);
  return existsSync(`${out}.started`);
}

/** The second SIGUSR2: true once the hook wrote the profile to `out`. */
export async function stopHookProfile(pid: number, out: string, waitMs: number): Promise<boolean> {
  process.kill(pid, 'SIGUSR2');
  for (let waited = 0; waited < waitMs && !existsSync(out); waited += POLL_MS) await sleep(POLL_MS);
  return existsSync(out);
}
