// Reading a small file that must be a regular file (a PEM certificate, key or CRL; an ssh
// config): a FIFO, a device or a file far larger than any such file is refused without
// reading it. Unbounded, `--ca /dev/zero` grew a command to gigabytes past its --deadline,
// and a FIFO held it for ever (the open itself blocks: here it is O_NONBLOCK).
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

export class NotRegularFileError extends Error {
  constructor(readonly path: string, readonly problem: string) {
    super(`${path} ${problem}`);
  }
}

/** The file's bytes; ENOENT, EACCES and other open errors are thrown as they come. */
export function readRegularFileSync(path: string, maxBytes: number): Buffer {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new NotRegularFileError(path, stat.isDirectory() ? 'is a directory' : 'is not a regular file (a pipe or a device?)');
    if (stat.size > maxBytes) throw new NotRegularFileError(path, `is ${stat.size} bytes, more than the ${maxBytes} such a file may be`);
    const buffer = Buffer.alloc(stat.size + 1);
    let length = 0;
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length > maxBytes) throw new NotRegularFileError(path, `grew past the ${maxBytes} bytes such a file may be while it was read`);
      if (length === buffer.length) break;
    }
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}
