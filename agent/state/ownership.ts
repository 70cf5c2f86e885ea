// What a director agent owns, kept in --state-dir across restarts: the services it created
// or adopted, the rules of its mark chain, and the destinations it is draining. Written after
// a successful apply (or a drain sweep), and before an apply's batch to claim the planned
// services (agent/director/ownership-claim.ts); atomically (temp file + rename), and
// schema-checked on read so a damaged file is a clear error.
import { errorMessage } from '../../lvs/errors';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { PROTOCOLS, sameServiceKey, type MarkRule, type ServiceKey } from '../../lvs/model';
import { runSliced } from '../../lvs/yield-point';
import { plainOwnershipSteps, type DirectorOwnership } from './ownership-shape';
import { writeFileAtomically } from '../kernel/atomic-file';
import { FileMemo } from './file-memo';
import { lazySchemas } from '../lazy-schema';

export const OWNERSHIP_FILE_NAME = 'director-ownership.json';
/** 2 added `draining`; a version 1 file (nothing draining) is still read. */
const FORMAT_VERSION = 2;

export type { DirectorOwnership, DrainingDestination } from './ownership-shape';

export const EMPTY_OWNERSHIP: DirectorOwnership = { services: [], markRules: [], generation: 0, draining: [] };

const schemas = lazySchemas((z) => {
  const serviceKey = z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('fwmark'), mark: z.number().int().min(0), family: z.enum(['inet', 'inet6']) }),
    z.strictObject({ kind: z.enum(PROTOCOLS), vip: z.string().min(1), port: z.number().int().min(0).max(65535) }),
  ]);
  const markRule = z.strictObject({
    mark: z.number().int().min(0),
    protocol: z.enum(PROTOCOLS),
    destination: z.string().min(1),
    ports: z.array(z.string().min(1)),
    inInterface: z.string().min(1).optional(),
  });
  const draining = z.strictObject({
    since: z.number().int().min(0),
    service: serviceKey,
    address: z.string().min(1),
    port: z.number().int().min(0).max(65535),
  });
  const fileShape = {
    version: z.union([z.literal(1), z.literal(FORMAT_VERSION)]),
    generation: z.number().int().min(0),
    services: z.array(serviceKey),
    markRules: z.array(markRule),
    draining: z.array(draining).optional(),
  };
  return { file: z.strictObject(fileShape) };
});

/** The ownership file cannot be read or trusted; names the file and what to do. */
export class OwnershipFileError extends Error {
  constructor(readonly file: string, problem: string) {
    super(
      `${file}: ${problem}. The agent cannot tell which IPVS services it owns, so it changes nothing. ` +
        `Fix: restore the file from a backup, or move it aside (the next apply then adopts the planned ` +
        `services and leaves every other service alone as unmanaged).`,
    );
    this.name = 'OwnershipFileError';
  }
}

export function ownershipFilePath(stateDir: string): string {
  return path.join(stateDir, OWNERSHIP_FILE_NAME);
}

/**
 * An apply reads the file twice (the drain sweep, the diff) and the sweep every 10 s, and
 * checking a 2,000-service file costs tens of ms in the lab: it is parsed again only when it
 * changed.
 */
const parsedFiles = new FileMemo<DirectorOwnership>();

/** The recorded ownership; nothing owned when the file does not exist yet. */
export async function readOwnership(stateDir: string): Promise<DirectorOwnership> {
  const file = ownershipFilePath(stateDir);
  let read: { value: DirectorOwnership } | 'missing';
  try {
    read = await parsedFiles.read(file, async () => parseOwnership(file, await fs.readFile(file, 'utf8')));
  } catch (error) {
    if (error instanceof OwnershipFileError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') read = 'missing';
    else throw new OwnershipFileError(file, `cannot be read (${errorMessage(error)})`);
  }
  return read === 'missing' ? structuredClone(EMPTY_OWNERSHIP) : read.value;
}

async function parseOwnership(file: string, text: string): Promise<DirectorOwnership> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new OwnershipFileError(file, `is not valid JSON (${errorMessage(error)})`);
  }
  // as this agent wrote it (checked without zod, in slices: 20,000 services), or else zod names the problem
  const checked = await runSliced(plainOwnershipSteps(json));
  if (checked) return checked;
  // Something is wrong: the whole-file check names the first problem, as it always did.
  const parsed = schemas().file.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length ? `/${issue.path.join('/')}` : '/';
    throw new OwnershipFileError(file, `does not match the expected format at ${where}: ${issue.message}`);
  }
  const { services, markRules, generation, draining = [] } = parsed.data;
  return { services, markRules, generation, draining };
}

/** The zod schema's verdict on a file's content (test/unit/state/ownership-shape.test.ts holds the plain check to it). */
export function schemaAccepts(json: unknown): boolean {
  return schemas().file.safeParse(json).success;
}

/**
 * Both record the same services (in the same order), mark rules and drains, whatever their
 * generations: an apply that changes none of them leaves the file as it is, rather than an
 * fsync'd rewrite of a 2,000-service file (10 to 90 ms in the lab) at every no-op rollout.
 * `servicesKnownSame`: the caller knows both name the same services (the diff found every
 * planned service owned, as many as owned), whatever their order: only the rest is compared.
 */
export function sameOwnedApartFromGeneration(a: DirectorOwnership, b: DirectorOwnership, servicesKnownSame = false): boolean {
  if (a.services.length !== b.services.length) return false;
  if (!servicesKnownSame) {
    for (let i = 0; i < a.services.length; i++) {
      const left = a.services[i] as ServiceKey;
      const right = b.services[i] as ServiceKey;
      if (left !== right && !sameServiceKey(left, right)) return false;
    }
  }
  return JSON.stringify(a.markRules) === JSON.stringify(b.markRules) && JSON.stringify(a.draining) === JSON.stringify(b.draining);
}

/**
 * Replaces the file atomically: a crash leaves the old file or the new one, never half of one.
 * One line of JSON (`jq .` shows it laid out): a load writes it twice (the claim, then the
 * result), and laid out in the file a 2,000-service one was 1.7 times the bytes, the time to
 * make it six times as long.
 */
export async function writeOwnership(stateDir: string, ownership: DirectorOwnership): Promise<void> {
  const file = ownershipFilePath(stateDir);
  parsedFiles.forget(file);
  // what was written is what a parse of the file would give: the next apply (a weight changed
  // after a load, before the drain timer read the file) does not parse 2,000 services again
  const kept: DirectorOwnership = {
    services: [...ownership.services], markRules: [...ownership.markRules], generation: ownership.generation, draining: [...ownership.draining],
  };
  const identity = await writeFileAtomically(file, JSON.stringify({ version: FORMAT_VERSION, ...kept }) + '\n', { identity: true });
  parsedFiles.written(file, identity, kept);
}
