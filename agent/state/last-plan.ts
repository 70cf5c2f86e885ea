// The last HostPlan this agent applied, kept in --state-dir so that after a restart the
// director's health checks and the realserver's self-checks resume without a new rollout.
// Stored in its wire form (JSON of the proto message) and read back through the same
// decoder that checks every plan arriving over gRPC: one schema, one set of limits.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { HostPlan } from '../host-plan';
import { WireFieldError } from '../wire/checks';
import { hostPlanFromWire } from '../wire/host-plan-decode';
import { hostPlanToWire } from '../wire/host-plan-encode';
import type { HostPlan__Output } from '../../proto/generated/lvsctl/v1/HostPlan';

export const LAST_PLAN_FILE_NAME = 'last-applied-plan.json';
const FORMAT_VERSION = 1;

/** The file exists but cannot be trusted; names the file and what to do. */
export class LastPlanFileError extends Error {
  constructor(readonly file: string, problem: string) {
    super(`${file}: ${problem}. Health checking waits for the next rollout; fix: run lvsctl rollout again (it rewrites the file), or remove the file`);
    this.name = 'LastPlanFileError';
  }
}

export function lastPlanFilePath(stateDir: string): string {
  return path.join(stateDir, LAST_PLAN_FILE_NAME);
}

/** The plan last applied, or undefined when none was applied yet. */
export async function readLastPlan(stateDir: string): Promise<HostPlan | undefined> {
  const file = lastPlanFilePath(stateDir);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LastPlanFileError(file, `cannot be read (${(error as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new LastPlanFileError(file, `is not valid JSON (${(error as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || (json as { version?: unknown }).version !== FORMAT_VERSION) {
    throw new LastPlanFileError(file, `is not a version ${FORMAT_VERSION} last-plan file`);
  }
  try {
    return hostPlanFromWire((json as { plan?: HostPlan__Output }).plan);
  } catch (error) {
    if (error instanceof WireFieldError) throw new LastPlanFileError(file, `does not hold a valid host plan at ${error.message}`);
    throw error;
  }
}

/** Replaces the file atomically: a crash leaves the old plan or the new one, never half of one. */
export async function writeLastPlan(stateDir: string, plan: HostPlan): Promise<void> {
  const file = lastPlanFilePath(stateDir);
  await fs.mkdir(stateDir, { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  // The oneof's name travels as `role` in the decoded form; the encoder leaves it implicit.
  const body = JSON.stringify({ version: FORMAT_VERSION, plan: { ...hostPlanToWire(plan), role: plan.role } }) + '\n';
  const handle = await fs.open(temp, 'w', 0o600);
  try {
    await handle.writeFile(body, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}
