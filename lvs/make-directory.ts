// mkdir -p, without Node's `recursive: true`, which loops forever at full CPU on a path the
// kernel will not make a directory in though its parent exists (any path under /proc: mkdir
// says ENOENT there, which Node takes for a missing parent, makes the parent, which exists,
// and tries again). Here a directory whose parent exists and still fails is that failure.
import { mkdirSync, promises as fs, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** Makes `dir` and the parents it lacks, each with `mode`; nothing when it is a directory already. */
export async function makeDirectory(dir: string, mode: number): Promise<void> {
  try {
    await fs.mkdir(dir, { mode });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      // a directory already (or a link to one): done; a file: that error; a link to nothing: the stat's
      if ((await fs.stat(dir)).isDirectory()) return;
      throw error;
    }
    const parent = dirname(dir);
    if (code !== 'ENOENT' || parent === dir) throw error;
    await makeDirectory(parent, mode);
    await fs.mkdir(dir, { mode }).catch(async (again: unknown) => {
      if ((again as NodeJS.ErrnoException).code !== 'EEXIST' || !(await fs.stat(dir)).isDirectory()) throw again;
    });
  }
}

/** makeDirectory on this thread. */
export function makeDirectorySync(dir: string, mode: number): void {
  try {
    mkdirSync(dir, { mode });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      if (statSync(dir).isDirectory()) return;
      throw error;
    }
    const parent = dirname(dir);
    if (code !== 'ENOENT' || parent === dir) throw error;
    makeDirectorySync(parent, mode);
    try {
      mkdirSync(dir, { mode });
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(dir).isDirectory()) throw again;
    }
  }
}
