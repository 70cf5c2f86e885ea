// The connection table from /proc/net/ip_vs_conn, read directly (what `ipvsadm -Lcn` reads
// and reformats): no process to start, and the same entries. Bounded like ipvsadm's output.
import { open } from 'node:fs/promises';
import type { ConnectionEntry } from '../../../lvs/formats/ipvs-connections';
import { IPVS_CONN_FILE, parseIpvsProcConnections } from '../../../lvs/formats/ipvs-proc-conn';
import { DEFAULT_MAX_OUTPUT_BYTES } from '../exec';

const CHUNK_BYTES = 256 * 1024;

/** The file's text, or an error naming the bound once it holds more than `maxBytes`. */
export async function readBoundedFile(path: string, maxBytes: number): Promise<string> {
  const file = await open(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(CHUNK_BYTES);
      // /proc files have no size: read until EOF
      const { bytesRead } = await file.read(chunk, 0, CHUNK_BYTES, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw new Error(`${path} holds more than ${maxBytes} bytes; not read (the connection table is too large to return whole)`);
      chunks.push(chunk.subarray(0, bytesRead));
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    await file.close();
  }
}

export function procConnectionsReader(path = IPVS_CONN_FILE, maxBytes = DEFAULT_MAX_OUTPUT_BYTES): () => Promise<ConnectionEntry[]> {
  return async () => parseIpvsProcConnections(await readBoundedFile(path, maxBytes));
}
