// zod for the agent's schemas (state files, `ip -j` output), loaded when a schema is first
// used: zod is ~1 MB of code with all its locales, about 3 MiB of an idle agent's RSS, and an
// idle agent reads none of those files until its first apply or self-check.
import type * as zod from 'zod';

/** `build(z)` on the first call, the same schemas on every later one. */
export function lazySchemas<T>(build: (z: typeof zod.z) => T): () => T {
  let built: T | undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return () => (built ??= build((require('zod') as typeof zod).z));
}
