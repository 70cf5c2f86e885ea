// What a director agent owns, kept in --state-dir across restarts: the services it created
// or adopted, the rules of its mark chain, and the destinations it is draining. Written after
// a successful apply (or a drain sweep), and before an apply's batch to claim the planned
// services (agent/director/ownership-claim.ts); atomically (temp file + rename), and
// schema-checked on read so a damaged file is a clear error.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { PROTOCOLS, type MarkRule, type ServiceKey } from '../../lvs/model';
import { writeFileAtomically } from './atomic-file';

export const OWNERSHIP_FILE_NAME = 'director-ownership.json';
/** 2 added `draining`; a version 1 file (nothing draining) is still read. */
const FORMAT_VERSION = 2;

/** A destination the plan dropped, at weight 0 until its connections end or the drain times out. */
export interface DrainingDestination {
  /** when the drain began (weight set to 0), ms since the epoch */
  since: number;
  service: ServiceKey;
  address: string;
  port: number;
}

export interface DirectorOwnership {
  /** services this agent created or adopted */
  services: ServiceKey[];
  /** the rules it put in its mark chain */
  markRules: MarkRule[];
  /** the plan generation last applied; 0 before the first apply */
  generation: number;
  /** destinations of owned services being drained, oldest first */
  draining: DrainingDestination[];
}

export const EMPTY_OWNERSHIP: DirectorOwnership = { services: [], markRules: [], generation: 0, draining: [] };

const serviceKeySchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('fwmark'), mark: z.number().int().min(0), family: z.enum(['inet', 'inet6']) }),
  z.strictObject({ kind: z.enum(PROTOCOLS), vip: z.string().min(1), port: z.number().int().min(0).max(65535) }),
]);

const markRuleSchema = z.strictObject({
  mark: z.number().int().min(0),
  protocol: z.enum(PROTOCOLS),
  destination: z.string().min(1),
  ports: z.array(z.string().min(1)),
  inInterface: z.string().min(1).optional(),
});

const drainingSchema = z.strictObject({
  since: z.number().int().min(0),
  service: serviceKeySchema,
  address: z.string().min(1),
  port: z.number().int().min(0).max(65535),
});

const ownershipFileSchema = z.strictObject({
  version: z.union([z.literal(1), z.literal(FORMAT_VERSION)]),
  generation: z.number().int().min(0),
  services: z.array(serviceKeySchema),
  markRules: z.array(markRuleSchema),
  draining: z.array(drainingSchema).optional(),
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

/** The recorded ownership; nothing owned when the file does not exist yet. */
export async function readOwnership(stateDir: string): Promise<DirectorOwnership> {
  const file = ownershipFilePath(stateDir);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return structuredClone(EMPTY_OWNERSHIP);
    throw new OwnershipFileError(file, `cannot be read (${(error as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new OwnershipFileError(file, `is not valid JSON (${(error as Error).message})`);
  }
  const parsed = ownershipFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length ? `/${issue.path.join('/')}` : '/';
    throw new OwnershipFileError(file, `does not match the expected format at ${where}: ${issue.message}`);
  }
  const { services, markRules, generation, draining = [] } = parsed.data;
  return { services, markRules, generation, draining };
}

/** Replaces the file atomically: a crash leaves the old file or the new one, never half of one. */
export async function writeOwnership(stateDir: string, ownership: DirectorOwnership): Promise<void> {
  const file = ownershipFilePath(stateDir);
  await writeFileAtomically(file, JSON.stringify({ version: FORMAT_VERSION, ...ownership }, null, 2) + '\n');
}
