// Reading a small file (a PEM certificate, key or CRL; an ssh config), bounded in size and in
// time. A regular file is read to its end; a pipe (`--key <(pass show lvs/key)`) or a device
// is read as it comes, for at most PIPE_WAIT_MS and never past the size bound. Unbounded,
// `--ca /dev/zero` grew a command to gigabytes past its --deadline, and a FIFO nobody wrote
// to held it for ever (the open itself blocks: here it is O_NONBLOCK).
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** How long a pipe or a device may take to give its whole content. */
export const PIPE_WAIT_MS = 5_000;

/** Why the file was not read: what it is (a directory, a socket), its size, or a stream that did not end in time. */
export type SmallFileProblem = 'kind' | 'size' | 'time';

export class SmallFileError extends Error {
  constructor(readonly path: string, readonly kind: SmallFileProblem, readonly problem: string) {
    super(`${path} ${problem}`);
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Sleeps the thread ms: this read is synchronous (its callers are), and a pipe's writer needs the time. */
function sleepSync(ms: number): void {
  Atomics.wait(pause, 0, 0, ms);
}

/** The file's bytes; ENOENT, EACCES and other open errors are thrown as they come. */
export function readSmallFileSync(path: string, maxBytes: number, waitMs = PIPE_WAIT_MS): Buffer {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new SmallFileError(path, 'kind', 'is a directory');
    const stream = stat.isFIFO() || stat.isCharacterDevice();
    if (!stat.isFile() && !stream) throw new SmallFileError(path, 'kind', 'is not a file, a pipe or a device (a socket?)');
    if (stat.isFile() && stat.size > maxBytes) throw new SmallFileError(path, 'size', `is ${stat.size} bytes, more than the ${maxBytes} such a file may be`);
    // a regular file's size, a stream's first 64 KiB; grown as more comes, up to one byte past the bound
    let buffer = Buffer.alloc(Math.min(stream ? 64 * 1024 : stat.size, maxBytes) + 1);
    const until = Date.now() + waitMs;
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        const grown = Buffer.alloc(Math.min(buffer.length * 2, maxBytes + 1));
        buffer.copy(grown);
        buffer = grown;
      }
      let read: number;
      try {
        read = readSync(fd, buffer, length, buffer.length - length, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
        if (Date.now() >= until) throw new SmallFileError(path, 'time', `gave no end within ${waitMs / 1000} s (a pipe or a terminal nobody writes to?)`);
        sleepSync(10);
        continue;
      }
      if (read === 0) return buffer.subarray(0, length);
      length += read;
      // a file that grew past what its size said, or a stream past the bound: refused, never cut short
      if (length > maxBytes) throw new SmallFileError(path, 'size', `is more than the ${maxBytes} bytes such a file may be`);
    }
  } finally {
    closeSync(fd);
  }
}
