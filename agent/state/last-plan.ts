// The last HostPlan this agent applied, kept in --state-dir so that after a restart the
// director's health checks and the realserver's self-checks resume without a new rollout.
// Stored as the proto message itself (an ApplyRequest: a one-line JSON envelope that names
// host, generation and the message's length for a reader, then the message's bytes as they
// arrived) and read back through the same decoder that checks every plan arriving over gRPC:
// one schema, one set of limits. Version 1 files (the message in base64 inside the envelope,
// one JSON text) are still read; the next apply writes version 2.
//
// A re-apply that changed a few services (one weight in 2,000) does not write the request
// again: beside the file (the base, whose envelope names it by a random id) a small patch file
// states the new request as pieces of the base and its own few bytes (byte-patch.ts), and
// names the base it patches. Each file is replaced atomically; a base written anew is followed
// by the patch's removal, and a patch that names another base is stale and ignored, so a
// crash at any point leaves the last plan that was kept, never a mix.
import { errorMessage } from '../../lvs/errors';
import { randomBytes } from 'node:crypto';
import { promises as fs, statSync } from 'node:fs';
import * as path from 'node:path';
import type { DirectorPlan, HostPlan } from '../../lvs/host-plan';
import { WireFieldError } from '../../lvs/wire/checks';
import { decodeApplyRequest, encodeApplyRequest } from '../../lvs/wire/apply-request-codec';
import { MessageDecodeError } from '../../lvs/wire/sliced-message-codec';
import { runSliced } from '../../lvs/yield-point';
import { writeFileAtomically, type FileIdentity } from '../kernel/atomic-file';
import { applyPatch, literalBytes, patchOf, type BytePatch } from './byte-patch';
import { FileMemo, fileIdentity, sameIdentity } from './file-memo';

export const LAST_PLAN_FILE_NAME = 'last-applied-plan.json';
export const LAST_PLAN_PATCH_FILE_NAME = 'last-applied-plan.patch';
/** the envelope line, then the raw message (version 1: base64 inside the envelope) */
const FORMAT_VERSION = 2;
const PATCH_FORMAT_VERSION = 1;
/** a patch carrying more new bytes than this share of the request: the request is written whole instead */
const MAX_PATCH_SHARE = 1 / 8;

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

export function lastPlanPatchFilePath(stateDir: string): string {
  return path.join(stateDir, LAST_PLAN_PATCH_FILE_NAME);
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
    // the patch beside the file changes the plan too
    read = await vrrpOfFiles.read(file, async () => {
      const plan = await readLastPlan(stateDir);
      return plan?.role === 'director' ? plan.vrrp : undefined;
    }, [lastPlanPatchFilePath(stateDir)]);
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
  const bytes = await readIfThere(file);
  if (bytes === undefined) return undefined;
  const { message, id } = messageOf(file, bytes);
  const patched = id === undefined ? message : await patchedMessage(stateDir, message, id);
  try {
    return (await runSliced(decodeApplyRequest(patched))).plan;
  } catch (error) {
    if (error instanceof MessageDecodeError) throw new LastPlanFileError(file, `holds a plan that does not decode (${error.message})`);
    if (error instanceof WireFieldError) throw new LastPlanFileError(file, `does not hold a valid host plan at ${error.message}`);
    throw error;
  }
}

/** The file's bytes, or undefined when there is none; any other failure names the file. */
async function readIfThere(file: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LastPlanFileError(file, `cannot be read (${errorMessage(error)})`);
  }
}

/** The request the patch file states on this base, or the base's own when there is no patch for it (none, or a stale one). */
async function patchedMessage(stateDir: string, base: Buffer, baseId: string): Promise<Buffer> {
  const file = lastPlanPatchFilePath(stateDir);
  const bytes = await readIfThere(file);
  if (bytes === undefined) return base;
  const lineEnd = bytes.indexOf(0x0a);
  let envelope: { version?: unknown; base?: unknown; bytes?: unknown; segments?: unknown };
  try {
    envelope = JSON.parse(bytes.subarray(0, lineEnd < 0 ? bytes.length : lineEnd).toString('utf8')) as typeof envelope;
  } catch (error) {
    throw new LastPlanFileError(file, `is not valid JSON (${errorMessage(error)})`);
  }
  if (typeof envelope !== 'object' || envelope === null || envelope.version !== PATCH_FORMAT_VERSION) throw new LastPlanFileError(file, `is not a version ${PATCH_FORMAT_VERSION} last-plan patch`);
  // written for an earlier base, whose replacement a crash kept from removing it: the base is the last plan
  if (envelope.base !== baseId) return base;
  if (lineEnd < 0 || !Array.isArray(envelope.segments)) throw new LastPlanFileError(file, 'has no segments');
  let message: Buffer;
  try {
    message = applyPatch(base, { segments: envelope.segments as BytePatch['segments'], literal: bytes.subarray(lineEnd + 1) });
  } catch (error) {
    throw new LastPlanFileError(file, `does not fit the plan it patches: ${errorMessage(error)}`);
  }
  if (message.length !== envelope.bytes) throw new LastPlanFileError(file, `states ${message.length} bytes of plan, its envelope says ${String(envelope.bytes)}`);
  return message;
}

/** The ApplyRequest's bytes a file holds: after the envelope line (version 2), or in its base64 (version 1); and its id, when a patch may name it. */
function messageOf(file: string, bytes: Buffer): { message: Buffer; id?: string } {
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
    const id = (json as { id?: unknown }).id;
    return typeof id === 'string' ? { message, id } : { message };
  }
  if (version !== 1) throw new LastPlanFileError(file, `is not a version 1 or ${FORMAT_VERSION} last-plan file`);
  const encoded = (json as { plan?: unknown }).plan;
  if (typeof encoded !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) {
    throw new LastPlanFileError(file, 'has no base64 "plan"');
  }
  return { message: Buffer.from(encoded, 'base64') };
}

/** The base this process last wrote in a state directory: what its patches are made against. */
interface WrittenBase {
  id: string;
  message: Buffer;
  /** the file as written: a base replaced or removed by hand since is written anew, not patched */
  identity: FileIdentity;
}

const basesWritten = new Map<string, WrittenBase>();

/**
 * Keeps the plan: a crash leaves the old plan or the new one, never half of one. `received` is
 * the ApplyRequest as it arrived, which decodes to `plan`: kept as it is (encoding a 2,000-service
 * plan again costs a fraction of a second in the lab), its bytes written as they are (as base64
 * text, version 1, they were a third more, and made in slices). Without it the plan is encoded
 * in slices (lvs/wire/apply-request-codec.ts), the agent answering between them. When this
 * process wrote the base and the new request differs from it in few bytes, only a patch is
 * written (see the top of this file); otherwise the request whole, and the patch goes.
 */
export async function writeLastPlan(stateDir: string, plan: HostPlan, received?: Buffer): Promise<void> {
  const file = lastPlanFilePath(stateDir);
  const message = received ?? await runSliced(encodeApplyRequest('apply', plan));
  const base = basesWritten.get(stateDir);
  if (base !== undefined && await baseStands(file, base.identity)) {
    const patch = patchOf(base.message, message);
    if (literalBytes(patch) <= message.length * MAX_PATCH_SHARE) {
      const envelope = JSON.stringify({ version: PATCH_FORMAT_VERSION, base: base.id, host: plan.host, role: plan.role, generation: plan.generation, bytes: message.length, segments: patch.segments });
      await writeFileAtomically(lastPlanPatchFilePath(stateDir), [`${envelope}\n`, patch.literal]);
      return;
    }
  }
  basesWritten.delete(stateDir);
  const id = randomBytes(12).toString('hex');
  const envelope = JSON.stringify({ version: FORMAT_VERSION, host: plan.host, role: plan.role, generation: plan.generation, bytes: message.length, id });
  const identity = await writeFileAtomically(file, [`${envelope}\n`, message], { identity: true });
  // a patch of the base before is stale from now on: removed, and ignored by a reader meanwhile
  await fs.rm(lastPlanPatchFilePath(stateDir), { force: true });
  // kept as it is, not copied: grpc-js hands every message a buffer of its own (Buffer.concat
  // of its frames) and nothing writes into it afterwards; a copy of a 20,000-service request
  // (10 MB of fresh pages) held the event loop about 0.6 s in the lab's kernel
  basesWritten.set(stateDir, { id, message, identity });
}

/** The base file is still the one this process wrote. */
async function baseStands(file: string, written: FileIdentity): Promise<boolean> {
  return sameIdentity(await fileIdentity(file).catch(() => undefined), written);
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
