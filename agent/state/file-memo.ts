// A value made from a file, made again only when the file changed. Every file this agent
// writes is a new file renamed over the old one (kernel/atomic-file.ts), so its inode changes;
// an edit by hand changes at least its modification time. Callers never change the value
// handed out: it is shared between readers.
import { statSync } from 'node:fs';
import type { FileIdentity } from '../kernel/atomic-file';

/**
 * The file's identity as it is now, or undefined when there is none; other errors of stat go
 * to the caller. A stat of a file in --state-dir on the event loop's own thread: through
 * libuv's thread pool it is a round trip between threads, asked at every apply and every
 * Status or Health call (each a context switch there and back on a one-CPU host).
 */
export async function fileIdentity(file: string): Promise<FileIdentity | undefined> {
  const stat = statSync(file, { bigint: true, throwIfNoEntry: false });
  return stat === undefined ? undefined : { ino: stat.ino, size: stat.size, mtimeNs: stat.mtimeNs };
}

/** The same file, unchanged (both absent counts as the same). */
export function sameIdentity(a: FileIdentity | undefined, b: FileIdentity | undefined): boolean {
  return a === undefined || b === undefined ? a === b : a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs;
}

interface Made<T> {
  /** the file's, then each of the files read beside it (undefined: absent) */
  identities: Array<FileIdentity | undefined>;
  value: T;
}

export class FileMemo<T> {
  private readonly made = new Map<string, Made<T>>();

  /**
   * The value for the file as it is now (`make` reads it when it, or one of the files `besides`
   * that `make` reads too, changed since the last time); `missing` when there is no file.
   * Errors of stat and of `make` go to the caller.
   */
  async read(file: string, make: () => Promise<T>, besides: readonly string[] = []): Promise<{ value: T } | 'missing'> {
    // the files' identities before their content: a change in between is seen at the next read
    const identities = await Promise.all([file, ...besides].map(fileIdentity));
    if (identities[0] === undefined) return 'missing';
    const known = this.made.get(file);
    if (known && known.identities.length === identities.length && known.identities.every((identity, i) => sameIdentity(identity, identities[i]))) return { value: known.value };
    const value = await make();
    this.made.set(file, { identities, value });
    return { value };
  }

  /**
   * This process just wrote the file, with this identity (kernel/atomic-file.ts), from `value`:
   * the next read hands `value` out without reading the file again while it stays so.
   */
  written(file: string, identity: FileIdentity, value: T): void {
    this.made.set(file, { identities: [identity], value });
  }

  /** The file is about to be replaced by this process. */
  forget(file: string): void {
    this.made.delete(file);
  }
}
