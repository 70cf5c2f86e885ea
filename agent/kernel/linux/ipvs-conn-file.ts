// The connection table from /proc/net/ip_vs_conn, read directly (what `ipvsadm -Lcn` reads
// and reformats): no process to start, and the same entries. Bounded like ipvsadm's output.
import type { ConnectionEntry } from '../../../lvs/formats/ipvs-connections';
import { IPVS_CONN_FILE, parseIpvsProcConnections } from '../../../lvs/formats/ipvs-proc-conn';
import { DEFAULT_MAX_OUTPUT_BYTES } from '../exec';
import { readProcFileInSlices } from './proc-file';

export function procConnectionsReader(path = IPVS_CONN_FILE, maxBytes = DEFAULT_MAX_OUTPUT_BYTES): () => Promise<ConnectionEntry[]> {
  return async () => parseIpvsProcConnections(await readProcFileInSlices(path, maxBytes, 'the connection table is too large to return whole'));
}
