// The last HostPlan this agent applied, kept in --state-dir so that after a restart the
// director's health checks and the realserver's self-checks resume without a new rollout.
// Stored as the proto message itself (an ApplyRequest, base64 in a small JSON envelope that
// names host and generation for a reader) and read back through the same decoder that
// checks every plan arriving over gRPC: one schema, one set of limits.
import { errorMessage } from '../../lvs/errors';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { DirectorPlan, HostPlan } from '../../lvs/host-plan';
import { WireFieldError } from '../../lvs/wire/checks';
import { decodeApplyRequest, encodeApplyRequest } from '../../lvs/wire/apply-request-codec';
import { MessageDecodeError } from '../../lvs/wire/sliced-message-codec';
import { runSliced, yieldToEventLoop } from '../../lvs/yield-point';
import { writeFileAtomically } from '../kernel/atomic-file';
import { FileMemo } from './file-memo';

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

/**
 * The VRRP settings of the plan last applied, for a director's Status, Health and metrics,
 * which ask at every call: the file (a 20,000-service plan is 10 MB) is decoded again only
 * when it changed (inode, size, modification time: every write renames a new file over it).
 */
export async function lastAppliedVrrp(stateDir: string): Promise<DirectorPlan['vrrp']> {
  const file = lastPlanFilePath(stateDir);
  let read: { value: DirectorPlan['vrrp'] } | 'missing';
  try {
    read = await vrrpOfFiles.read(file, async () => {
      const plan = await readLastPlan(stateDir);
      return plan?.role === 'director' ? plan.vrrp : undefined;
    });
  } catch (error) {
    if (error instanceof LastPlanFileError) throw error;
    throw new LastPlanFileError(file, `cannot be read (${errorMessage(error)})`);
  }
  return read === 'missing' ? undefined : read.value;
}

const vrrpOfFiles = new FileMemo<DirectorPlan['vrrp']>();

/** The plan last applied, or undefined when none was applied yet. */
export async function readLastPlan(stateDir: string): Promise<HostPlan | undefined> {
  const file = lastPlanFilePath(stateDir);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LastPlanFileError(file, `cannot be read (${errorMessage(error)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new LastPlanFileError(file, `is not valid JSON (${errorMessage(error)})`);
  }
  if (typeof json !== 'object' || json === null || (json as { version?: unknown }).version !== FORMAT_VERSION) {
    throw new LastPlanFileError(file, `is not a version ${FORMAT_VERSION} last-plan file`);
  }
  const encoded = (json as { plan?: unknown }).plan;
  if (typeof encoded !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) {
    throw new LastPlanFileError(file, 'has no base64 "plan"');
  }
  try {
    return (await runSliced(decodeApplyRequest(Buffer.from(encoded, 'base64')))).plan;
  } catch (error) {
    if (error instanceof MessageDecodeError) throw new LastPlanFileError(file, `holds a plan that does not decode (${error.message})`);
    if (error instanceof WireFieldError) throw new LastPlanFileError(file, `does not hold a valid host plan at ${error.message}`);
    throw error;
  }
}

/**
 * Replaces the file atomically: a crash leaves the old plan or the new one, never half of one.
 * `received` is the ApplyRequest as it arrived, which decodes to `plan`: kept as it is (encoding
 * a 2,000-service plan again costs a fraction of a second in the lab). Without it the plan is
 * encoded in slices (lvs/wire/apply-request-codec.ts), the agent answering between them.
 */
export async function writeLastPlan(stateDir: string, plan: HostPlan, received?: Buffer): Promise<void> {
  const file = lastPlanFilePath(stateDir);
  const message = received ?? await runSliced(encodeApplyRequest('apply', plan));
  const envelope = JSON.stringify({ version: FORMAT_VERSION, host: plan.host, role: plan.role, generation: plan.generation });
  // base64 needs no JSON escaping: the text JSON.stringify would give, without scanning megabytes
  await writeFileAtomically(file, fileParts(`${envelope.slice(0, -1)},"plan":"`, message, '"}\n'));
}

/** The file is there (not removed by hand since it was written). */
export async function lastPlanFileExists(stateDir: string): Promise<boolean> {
  return fs.stat(lastPlanFilePath(stateDir)).then((st) => st.size > 0, () => false);
}

/** 3 bytes make 4 characters, so slices of a multiple of 3 bytes encode to pieces of the whole. */
const BASE64_SLICE_BYTES = 3 * 256 * 1024;

/** The file's text in pieces (the plan's base64 a slice at a time), the event loop's turn between them. */
async function* fileParts(head: string, bytes: Buffer, tail: string): AsyncGenerator<string> {
  yield head;
  for (let at = 0; at < bytes.length; at += BASE64_SLICE_BYTES) {
    yield bytes.subarray(at, at + BASE64_SLICE_BYTES).toString('base64');
    await yieldToEventLoop();
  }
  yield tail;
}
