// The connection table from /proc/net/ip_vs_conn, read directly (what `ipvsadm -Lcn` reads
// and reformats): no process to start, and the same entries. Bounded like ipvsadm's output;
// read and parsed in pieces and slices, never as one string (a busy director's table is tens
// of megabytes: see proc-file.ts).
import type { ConnectionEntry } from '../../../lvs/formats/ipvs-connections';
import { IPVS_CONN_FILE, parseIpvsProcConnectionsSteps } from '../../../lvs/formats/ipvs-proc-conn';
import { runSliced } from '../../../lvs/yield-point';
import { DEFAULT_MAX_OUTPUT_BYTES } from '../exec';
import { readProcFilePieces } from './proc-file';

export function procConnectionsReader(path = IPVS_CONN_FILE, maxBytes = DEFAULT_MAX_OUTPUT_BYTES): () => Promise<ConnectionEntry[]> {
  return async () => runSliced(parseIpvsProcConnectionsSteps(await readProcFilePieces(path, maxBytes, 'the connection table is too large to return whole')));
}
