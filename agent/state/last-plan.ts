// The last HostPlan this agent applied, kept in --state-dir so that after a restart the
// director's health checks and the realserver's self-checks resume without a new rollout.
// Stored as the proto message itself (an ApplyRequest: a one-line JSON envelope that names
// host, generation and the message's length for a reader, then the message's bytes as they
// arrived) and read back through the same decoder that checks every plan arriving over gRPC:
// one schema, one set of limits. Version 1 files (the message in base64 inside the envelope,
// one JSON text) are still read; the next apply writes version 2.
import { errorMessage } from '../../lvs/errors';
import { promises as fs, statSync } from 'node:fs';
import * as path from 'node:path';
import type { DirectorPlan, HostPlan } from '../../lvs/host-plan';
import { WireFieldError } from '../../lvs/wire/checks';
import { decodeApplyRequest, encodeApplyRequest } from '../../lvs/wire/apply-request-codec';
import { MessageDecodeError } from '../../lvs/wire/sliced-message-codec';
import { runSliced } from '../../lvs/yield-point';
import { writeFileAtomically } from '../kernel/atomic-file';
import { FileMemo } from './file-memo';

export const LAST_PLAN_FILE_NAME = 'last-applied-plan.json';
/** the envelope line, then the raw message (version 1: base64 inside the envelope) */
const FORMAT_VERSION = 2;

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
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LastPlanFileError(file, `cannot be read (${errorMessage(error)})`);
  }
  const message = messageOf(file, bytes);
  try {
    return (await runSliced(decodeApplyRequest(message))).plan;
  } catch (error) {
    if (error instanceof MessageDecodeError) throw new LastPlanFileError(file, `holds a plan that does not decode (${error.message})`);
    if (error instanceof WireFieldError) throw new LastPlanFileError(file, `does not hold a valid host plan at ${error.message}`);
    throw error;
  }
}

/** The ApplyRequest's bytes a file holds: after the envelope line (version 2), or in its base64 (version 1). */
function messageOf(file: string, bytes: Buffer): Buffer {
  // version 1 is one JSON text on one line: its first line is the whole envelope as well
  const lineEnd = bytes.indexOf(0x0a);
  const line = bytes.subarray(0, lineEnd < 0 ? bytes.length : lineEnd).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (error) {
    throw new LastPlanFileError(file, `is not valid JSON (${errorMessage(error)})`);
  }
  const version = typeof json === 'object' && json !== null ? (json as { version?: unknown }).version : undefined;
  if (version === FORMAT_VERSION) {
    const length = (json as { bytes?: unknown }).bytes;
    const message = bytes.subarray(lineEnd + 1);
    if (lineEnd < 0 || typeof length !== 'number' || length !== message.length) {
      throw new LastPlanFileError(file, `is cut short or padded: its envelope says ${String(length)} bytes of plan, ${lineEnd < 0 ? 0 : message.length} follow it`);
    }
    return message;
  }
  if (version !== 1) throw new LastPlanFileError(file, `is not a version 1 or ${FORMAT_VERSION} last-plan file`);
  const encoded = (json as { plan?: unknown }).plan;
  if (typeof encoded !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) {
    throw new LastPlanFileError(file, 'has no base64 "plan"');
  }
  return Buffer.from(encoded, 'base64');
}

/**
 * Replaces the file atomically: a crash leaves the old plan or the new one, never half of one.
 * `received` is the ApplyRequest as it arrived, which decodes to `plan`: kept as it is (encoding
 * a 2,000-service plan again costs a fraction of a second in the lab), its bytes written as
 * they are (as base64 text, version 1, they were a third more, and made in slices). Without
 * it the plan is encoded in slices (lvs/wire/apply-request-codec.ts), the agent answering
 * between them.
 */
export async function writeLastPlan(stateDir: string, plan: HostPlan, received?: Buffer): Promise<void> {
  const file = lastPlanFilePath(stateDir);
  const message = received ?? await runSliced(encodeApplyRequest('apply', plan));
  const envelope = JSON.stringify({ version: FORMAT_VERSION, host: plan.host, role: plan.role, generation: plan.generation, bytes: message.length });
  await writeFileAtomically(file, [`${envelope}\n`, message]);
}

/** The file is there (not removed by hand since it was written). */
export async function lastPlanFileExists(stateDir: string): Promise<boolean> {
  // asked after every apply: a stat on the event loop's thread, not a round trip to libuv's threads
  try {
    return (statSync(lastPlanFilePath(stateDir), { throwIfNoEntry: false })?.size ?? 0) > 0;
  } catch {
    return false;
  }
}
