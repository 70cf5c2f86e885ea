// The connection table from /proc/net/ip_vs_conn, read directly (what `ipvsadm -Lcn` reads
// and reformats): no process to start, and the same entries. Bounded like ipvsadm's output;
// parsed a piece at a time as it is read, keeping only the entries the caller asked for, and
// no further than its limit: never the file as one string (a busy director's table is tens of
// megabytes: see proc-file.ts), nor an object for every connection.
import type { ConnectionEntry, ConnectionFilter } from '../../../lvs/formats/ipvs-connections';
import { IPVS_CONN_FILE, ProcConnectionsReader } from '../../../lvs/formats/ipvs-proc-conn';
import { DEFAULT_MAX_OUTPUT_BYTES } from '../exec';
import { readProcFileWhile } from './proc-file';

/** The entries that pass `filter` (all of them without one), read until its limit is reached. */
export function procConnectionsReader(path = IPVS_CONN_FILE, maxBytes = DEFAULT_MAX_OUTPUT_BYTES): (filter?: ConnectionFilter) => Promise<ConnectionEntry[]> {
  return async (filter) => {
    const reader = new ProcConnectionsReader(filter);
    await readProcFileWhile(path, maxBytes, 'the connection table is too large to read whole', (piece) => {
      reader.feed(piece);
      return !reader.full;
    });
    return reader.end();
  };
}
