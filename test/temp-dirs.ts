// Directories the tests make for state and files under the system's temp directory. Made
// here, they are removed when the mocha run ends (test/remove-temp-dirs.ts, the root hook
// .mocharc.json requires), so a run of the suite leaves nothing behind in /tmp: the rigs
// alone left about 200 directories a run.
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made = new Set<string>();

/** A new directory named PREFIX + six random characters, removed at the end of the run. */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}

/** tempDir, for a caller that cannot wait. */
export function tempDirSync(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}

/** Removes every directory made so far (one a test removed itself is passed over). */
export function removeTempDirs(): void {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
  made.clear();
}
