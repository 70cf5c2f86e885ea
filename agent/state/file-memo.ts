// A value made from a file, made again only when the file changed. Every file this agent
// writes is a new file renamed over the old one (kernel/atomic-file.ts), so its inode changes;
// an edit by hand changes at least its modification time. Callers never change the value
// handed out: it is shared between readers.
import { promises as fs } from 'node:fs';
import type { FileIdentity } from '../kernel/atomic-file';

interface Made<T> {
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  value: T;
}

export class FileMemo<T> {
  private readonly made = new Map<string, Made<T>>();

  /**
   * The value for the file as it is now (`make` reads it when it changed since the last
   * time); `missing` when there is no file. Errors of stat and of `make` go to the caller.
   */
  async read(file: string, make: () => Promise<T>): Promise<{ value: T } | 'missing'> {
    let stat: { ino: bigint; size: bigint; mtimeNs: bigint };
    try {
      // the file's identity before its content: a change in between is seen at the next read
      stat = await fs.stat(file, { bigint: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
      throw error;
    }
    const known = this.made.get(file);
    if (known && known.ino === stat.ino && known.size === stat.size && known.mtimeNs === stat.mtimeNs) return { value: known.value };
    const value = await make();
    this.made.set(file, { ino: stat.ino, size: stat.size, mtimeNs: stat.mtimeNs, value });
    return { value };
  }

  /**
   * This process just wrote the file, with this identity (kernel/atomic-file.ts), from `value`:
   * the next read hands `value` out without reading the file again while it stays so.
   */
  written(file: string, identity: FileIdentity, value: T): void {
    this.made.set(file, { ...identity, value });
  }

  /** The file is about to be replaced by this process. */
  forget(file: string): void {
    this.made.delete(file);
  }
}
