// What a realserver agent set itself in prepare mode (VIPs, links it brought up, sysctls
// with the value they had before), kept in --state-dir so that a later plan that drops
// them can undo exactly that and nothing else. Written atomically (temp file, fsync,
// rename); schema-checked on read so a damaged file is a clear error, not a guess.
import { errorMessage } from '../../lvs/errors';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomically } from '../kernel/atomic-file';
import { lazySchemas } from '../lazy-schema';

export const REALSERVER_OWNED_FILE_NAME = 'realserver-owned.json';
const FORMAT_VERSION = 1;

export interface OwnedAddress {
  device: string;
  address: string;
  prefixlen: number;
}

export interface OwnedSysctl {
  key: string;
  /** what the agent set */
  value: string;
  /** what it was before, restored when the plan no longer needs the setting */
  previous: string;
}

export interface RealserverOwned {
  /** the generation of the last plan prepare applied; 0 before the first */
  generation: number;
  addresses: OwnedAddress[];
  /** devices the agent brought up (tunl0) */
  links: string[];
  sysctls: OwnedSysctl[];
}

export function emptyRealserverOwned(): RealserverOwned {
  return { generation: 0, addresses: [], links: [], sysctls: [] };
}

const fileSchema = lazySchemas((z) => z.strictObject({
  version: z.literal(FORMAT_VERSION),
  generation: z.number().int().min(0),
  addresses: z.array(z.strictObject({ device: z.string().min(1).max(15), address: z.string().min(2).max(64), prefixlen: z.number().int().min(0).max(128) })),
  links: z.array(z.string().min(1).max(15)),
  sysctls: z.array(z.strictObject({ key: z.string().min(1).max(200), value: z.string().max(64), previous: z.string().max(64) })),
}));

/** The state file cannot be read or trusted; names the file and what to do. */
export class RealserverOwnedFileError extends Error {
  constructor(readonly file: string, problem: string) {
    super(
      `${file}: ${problem}. The agent cannot tell which VIPs and sysctls it set, so prepare changes nothing. ` +
        'Fix: restore the file from a backup, or move it aside (prepare then sets what is missing again and ' +
        'treats what is already there as not its own).',
    );
    this.name = 'RealserverOwnedFileError';
  }
}

export function realserverOwnedPath(stateDir: string): string {
  return path.join(stateDir, REALSERVER_OWNED_FILE_NAME);
}

/**
 * Read at every verify, on the event loop's own thread: a file of a few hundred bytes in the
 * agent's own directory (the page cache holds it), where an asynchronous read is four round
 * trips to libuv's thread pool, a cost each of a hundred agents pays per rollout.
 */
export async function readRealserverOwned(stateDir: string): Promise<RealserverOwned> {
  const file = realserverOwnedPath(stateDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyRealserverOwned();
    throw new RealserverOwnedFileError(file, `cannot be read (${errorMessage(error)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RealserverOwnedFileError(file, `is not valid JSON (${errorMessage(error)})`);
  }
  const parsed = fileSchema().safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length ? `/${issue.path.join('/')}` : '/';
    throw new RealserverOwnedFileError(file, `does not match the expected format at ${where}: ${issue.message}`);
  }
  const { version: _version, ...owned } = parsed.data;
  return owned;
}

export async function writeRealserverOwned(stateDir: string, owned: RealserverOwned): Promise<void> {
  await writeFileAtomically(realserverOwnedPath(stateDir), JSON.stringify({ version: FORMAT_VERSION, ...owned }, null, 2) + '\n');
}
