// The generation of the last plan this agent applied, kept in --state-dir so that a
// stale rollout (an older generation) cannot overwrite a newer one, even across restarts.
// Written as a temp file renamed over the old one: a crash leaves the old or the new
// value, never half a file. The file is read once per process: the store is its only writer
// while the agent runs, so every apply after the first asks the value this store holds (a
// read is four round trips to libuv's threads, each a context switch on a one-CPU host).
import { promises as fs } from 'fs';
import { join } from 'path';
import { writeFileAtomically } from '../kernel/atomic-file';

export interface GenerationStore {
  /** the last applied generation; undefined when nothing was applied yet */
  lastApplied(): Promise<number | undefined>;
  record(generation: number): Promise<void>;
}

const FILE = 'generation.json';

export function fileGenerationStore(stateDir: string): GenerationStore {
  const file = join(stateDir, FILE);
  /** the file's value as last read or written by this store; absent: not read yet (or a read failed) */
  let known: { generation: number | undefined } | undefined;
  return {
    async lastApplied() {
      if (known === undefined) known = { generation: await readGeneration(file) };
      return known.generation;
    },
    async record(generation) {
      // forgotten first: a write that fails part-way leaves the file to be read again
      known = undefined;
      await writeFileAtomically(file, JSON.stringify({ generation }) + '\n');
      known = { generation };
    },
  };
}

/** The generation file cannot be read as one; names the file and what to do. */
export class GenerationFileError extends Error {
  constructor(readonly file: string, problem: string) {
    super(
      `${file}: ${problem}. The agent cannot tell which plan generation it applied last, so it applies none. ` +
        'Fix: remove the file (the next apply writes it again; until then an older rollout is not told apart from a newer one).',
    );
    this.name = 'GenerationFileError';
  }
}

async function readGeneration(file: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    // the agent writes it whole or not at all (a temp file renamed): this is an edit by hand, or the disk
    throw new GenerationFileError(file, `not JSON (${(err as Error).message})`);
  }
  const generation = typeof parsed === 'object' && parsed !== null ? (parsed as { generation?: unknown }).generation : undefined;
  if (typeof generation !== 'number' || !Number.isSafeInteger(generation)) {
    throw new GenerationFileError(file, '"generation" is not an integer (the agent writes {"generation": N})');
  }
  return generation;
}
