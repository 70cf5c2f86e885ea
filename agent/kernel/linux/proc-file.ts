// Reading a large /proc file (/proc/net/ip_vs: 1.3 MB at 2,000 services x 10 destinations;
// /proc/net/ip_vs_conn, as large as the connection table) on the event loop's own thread, in slices. The kernel hands a seq_file out about a page per
// read(2); through libuv's thread pool each of those ~300 reads is a round trip between
// threads, which in the lab's user-mode kernel took 1 s for the file, against 35 ms for the
// same reads made synchronously. So: synchronous reads, giving the event loop its turn every
// slice (a 20,000-service listing must not hold Hello up), bounded in bytes. The text comes
// back in the pieces it was read in: one string of a 20,000-service listing (12.7 MB) took
// 0.56 s to join there, all of it page faults on fresh memory, the event loop held throughout.
import { closeSync, openSync, readSync } from 'node:fs';
import { Slicer } from '../../../lvs/yield-point';

const CHUNK_BYTES = 64 * 1024;

/**
 * The file's text in the pieces it was read in (CHUNK_BYTES each, the last one shorter; a line
 * may span two), or an error naming the bound once it holds more than `maxBytes` (`tooLarge`
 * says what that means for the reader).
 */
export async function readProcFilePieces(path: string, maxBytes: number, tooLarge = ''): Promise<string[]> {
  const pieces: string[] = [];
  await readProcFileWhile(path, maxBytes, tooLarge, (piece) => {
    pieces.push(piece);
    return true;
  });
  return pieces;
}

/**
 * Hands the file to `take` a piece at a time as it is read (as readProcFilePieces cuts it),
 * until the end of the file or until `take` answers false (it has what it needs: the rest is
 * not read). An error names the bound once more than `maxBytes` were read.
 */
export async function readProcFileWhile(path: string, maxBytes: number, tooLarge: string, take: (piece: string) => boolean): Promise<void> {
  const fd = openSync(path, 'r');
  try {
    // text as it is read (latin1: one character a byte, so a chunk's end never splits one):
    // a 12.7 MB listing concatenated as bytes, then decoded whole, cost two copies at once
    let total = 0;
    let taken = 0;
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    let used = 0;
    // each read is a system call whose cost grows with the place in a seq_file: the clock is read
    // after every second one (every 8th let one slice run 430 ms at the end of a 20,000-service
    // listing in the lab, on a busy host)
    const slicer = new Slicer({ maxStride: 2 });
    for (;;) {
      // /proc files have no size: read until EOF (a seq_file keeps its place between reads)
      const bytesRead = readSync(fd, chunk, used, CHUNK_BYTES - used, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw new Error(`${path} holds more than ${maxBytes} bytes; not read${tooLarge ? ` (${tooLarge})` : ''}`);
      used += bytesRead;
      if (used === CHUNK_BYTES) {
        taken++;
        if (!take(chunk.toString('latin1'))) return;
        used = 0;
      }
      if (slicer.due) await slicer.pause();
    }
    // latin1: these files are ASCII, and decoding it costs a fraction of utf8's (100 ms of a 2,000-service read in the lab)
    if (used > 0 || taken === 0) take(chunk.toString('latin1', 0, used));
  } finally {
    closeSync(fd);
  }
}
