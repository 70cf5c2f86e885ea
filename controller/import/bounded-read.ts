// What lvsctl import reads (ipvsadm -S -n, iptables-save, ip -j addr, a keepalived.conf and
// its includes, an ldirectord.cf), bounded: a file, a pipe (`--ipvsadm <(ssh lvs1 ipvsadm -S
// -n)`) or stdin, read as a stream until it ends or passes MAX_IMPORT_BYTES. Unbounded, a
// wrong path (/dev/zero, a disk image) read until the process ran out of memory.
import { createReadStream } from 'node:fs';
import { readStreamUpTo } from '../../lvs/bounded-stream';

/** 64 MiB: the bound the agent puts on a table dump too; a 20,000 × 10 table's ipvsadm -S -n is 8 MiB, its keepalived.conf 11 MiB. */
export const MAX_IMPORT_BYTES = 64 * 1024 * 1024;

export class ImportTooLargeError extends Error {
  constructor(limit: number) {
    super(`more than ${limit / (1024 * 1024)} MiB, larger than any table lvsctl takes (a 20,000-service table's ipvsadm -S -n is about 8 MiB): is it the right file?`);
  }
}

/** The stream's text, up to `limit` bytes; more is refused as soon as it is read. */
export async function readBoundedText(stream: NodeJS.ReadableStream, limit = MAX_IMPORT_BYTES): Promise<string> {
  const text = await readStreamUpTo(stream, limit);
  if (text === undefined) throw new ImportTooLargeError(limit);
  return text;
}

/** A file (or a pipe, a device) by its path, bounded as readBoundedText. */
export function readBoundedFile(path: string, limit = MAX_IMPORT_BYTES): Promise<string> {
  return readBoundedText(createReadStream(path), limit);
}
