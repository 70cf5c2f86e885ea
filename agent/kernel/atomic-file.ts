// The one way the agent writes a file it owns (its state in --state-dir, keepalived's
// configuration): to a temp file beside it, fsync, rename over the old one. A crash leaves
// the old content or the new, never half of either, and a reader never sees a half file.
import { promises as fs } from 'fs';
import type { FileHandle } from 'fs/promises';
import { dirname } from 'path';

export interface AtomicWriteOptions {
  /** the new file's mode; default 0600 */
  fileMode?: number;
  /** the mode of a directory it has to create; default 0700 */
  directoryMode?: number;
}

/** The body: text (written as UTF-8), bytes, or pieces of either written in turn. */
export type AtomicFileBody = string | Buffer | Iterable<string | Buffer> | AsyncIterable<string | Buffer>;

export async function writeFileAtomically(file: string, body: AtomicFileBody, options: AtomicWriteOptions = {}): Promise<void> {
  await fs.mkdir(dirname(file), { recursive: true, mode: options.directoryMode ?? 0o700 });
  const temp = `${file}.lvsctl-${process.pid}.${Date.now()}.tmp`;
  const handle = await fs.open(temp, 'w', options.fileMode ?? 0o600);
  try {
    if (typeof body === 'string' || Buffer.isBuffer(body)) await handle.writeFile(body);
    // piece by piece: a 13 MB body made and copied at once held the event loop 2 s in the lab
    else for await (const part of body) await writePart(handle, part);
    await handle.sync();
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
