// The one way the agent writes a file it owns (its state in --state-dir, keepalived's
// configuration): to a temp file beside it, fsync, rename over the old one. A crash leaves
// the old content or the new, never half of either, and a reader never sees a half file.
import { closeSync, fstatSync, fsync, openSync, promises as fs, renameSync, rmSync, writeFileSync } from 'fs';
import type { FileHandle } from 'fs/promises';
import { dirname } from 'path';
import { promisify } from 'util';
import { makeDirectory, makeDirectorySync } from '../../lvs/make-directory';

/**
 * A body up to this size (the generation, a realserver's owned state, a keepalived
 * configuration of a few services) is written on the event loop's own thread, its fsync alone
 * waiting in libuv's thread pool: one round trip there instead of five, which each of a
 * hundred realserver agents paid at every rollout (1.3-1.7 ms of CPU a write, 0.4-0.7 ms so).
 * Larger bodies keep every step off the event loop.
 */
export const SMALL_BODY_BYTES = 16 * 1024;
const fsyncFd = promisify(fsync);

export interface AtomicWriteOptions {
  /** the new file's mode; default 0600 */
  fileMode?: number;
  /** the mode of a directory it has to create; default 0700 */
  directoryMode?: number;
  /** answer the file's identity as written (one more round trip): a reader that keeps what it parsed can know it unchanged */
  identity?: boolean;
}

/** What tells a file from its replacement: every write renames a new inode over the old one, an edit changes the time. */
export interface FileIdentity {
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
}

/** The body: text (written as UTF-8), bytes, or pieces of either written in turn (an array of them in one writev). */
export type AtomicFileBody = string | Buffer | Iterable<string | Buffer> | AsyncIterable<string | Buffer>;

export async function writeFileAtomically(file: string, body: AtomicFileBody, options: AtomicWriteOptions & { identity: true }): Promise<FileIdentity>;
export async function writeFileAtomically(file: string, body: AtomicFileBody, options?: AtomicWriteOptions): Promise<void>;
export async function writeFileAtomically(file: string, body: AtomicFileBody, options: AtomicWriteOptions = {}): Promise<FileIdentity | void> {
  const temp = `${file}.lvsctl-${process.pid}.${Date.now()}.tmp`;
  const fileMode = options.fileMode ?? 0o600;
  if (isSmallBody(body)) return writeSmallFile(file, temp, body, fileMode, options);
  // a few small pieces (a last-plan patch: its envelope and a few KB of new bytes) are joined and written so too
  if (Array.isArray(body) && isSmallPieces(body)) return writeSmallFile(file, temp, joinPieces(body), fileMode, options);
  // the directory is made only when it is missing: each file operation is a round trip to
  // libuv's threads (on a one-CPU host, a context switch there and back), and it nearly never is
  const handle = await fs.open(temp, 'w', fileMode).catch(async (error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await makeDirectory(dirname(file), options.directoryMode ?? 0o700);
    return fs.open(temp, 'w', fileMode);
  });
  let identity: FileIdentity | void = undefined;
  try {
    if (typeof body === 'string' || Buffer.isBuffer(body)) await handle.writeFile(body);
    // a few pieces in hand (an envelope and a message): one writev, not a write each
    else if (Array.isArray(body)) await writeAll(handle, body.map((part: string | Buffer) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : part)));
    // piece by piece: a 13 MB body made and copied at once held the event loop 2 s in the lab
    else for await (const part of body) await writePart(handle, part);
    await handle.sync();
    // taken from the temp file: a rename keeps inode and times, and no one else can have changed it yet
    if (options.identity) {
      const stat = await handle.stat({ bigint: true });
      identity = { ino: stat.ino, size: stat.size, mtimeNs: stat.mtimeNs };
    }
  } catch (error) {
    await handle.close();
    await fs.rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
  return identity;
}

function isSmallBody(body: AtomicFileBody): body is string | Buffer {
  return (typeof body === 'string' || Buffer.isBuffer(body)) && worstBytes(body) <= SMALL_BODY_BYTES;
}

/** Pieces whose worst-case size together is small. */
function isSmallPieces(pieces: ReadonlyArray<string | Buffer>): boolean {
  let bytes = 0;
  for (const piece of pieces) {
    bytes += worstBytes(piece);
    if (bytes > SMALL_BODY_BYTES) return false;
  }
  return true;
}

/** Text counts by its worst UTF-8 size (three bytes a UTF-16 unit): measuring it would cost a pass over it. */
function worstBytes(piece: string | Buffer): number {
  return typeof piece === 'string' ? piece.length * 3 : piece.length;
}

function joinPieces(pieces: ReadonlyArray<string | Buffer>): Buffer {
  return Buffer.concat(pieces.map((piece) => (typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece)));
}

/** The small body's steps but the fsync on this thread: a temp file in the page cache, then renamed (see SMALL_BODY_BYTES). */
async function writeSmallFile(file: string, temp: string, body: string | Buffer, fileMode: number, options: AtomicWriteOptions): Promise<FileIdentity | void> {
  let fd: number;
  try {
    fd = openSync(temp, 'w', fileMode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    makeDirectorySync(dirname(file), options.directoryMode ?? 0o700);
    fd = openSync(temp, 'w', fileMode);
  }
  let identity: FileIdentity | void = undefined;
  try {
    writeFileSync(fd, body);
    await fsyncFd(fd);
    if (options.identity) {
      const stat = fstatSync(fd, { bigint: true });
      identity = { ino: stat.ino, size: stat.size, mtimeNs: stat.mtimeNs };
    }
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  try {
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  return identity;
}

/** The pieces in one writev; what a short write left, piece by piece. */
async function writeAll(handle: FileHandle, parts: Buffer[]): Promise<void> {
  let { bytesWritten } = await handle.writev(parts);
  for (const part of parts) {
    if (bytesWritten >= part.length) {
      bytesWritten -= part.length;
      continue;
    }
    await writePart(handle, part.subarray(bytesWritten));
    bytesWritten = 0;
  }
}

/** One piece, whole (FileHandle#write may write less than asked). */
async function writePart(handle: FileHandle, part: string | Buffer): Promise<void> {
  if (typeof part === 'string') {
    await handle.write(part, null, 'utf8');
    return;
  }
  for (let at = 0; at < part.length;) {
    const { bytesWritten } = await handle.write(part, at, part.length - at);
    at += bytesWritten;
  }
}
