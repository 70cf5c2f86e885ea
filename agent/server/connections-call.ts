// The Connections RPC: a director's connection table (ipvsadm -Lcn), filtered by client,
// VIP or realserver, at most `limit` entries (default 10,000), templates included.
import { status, type ServerWritableStream } from '@grpc/grpc-js';
import type { Logger } from 'winston';
import { filterConnections, type ConnectionEntry, type ConnectionFilter } from '../../lvs/formats/ipvs-connections';
import { WireFieldError } from '../../lvs/wire/checks';
import { connectionToWire, connectionsRequestFromWire } from '../../lvs/wire/connections-codec';
import type { AgentRole } from '../../lvs/wire/enum-names';
import type { Connection } from '../../proto/generated/lvsctl/v1/Connection';
import type { ConnectionsRequest__Output } from '../../proto/generated/lvsctl/v1/ConnectionsRequest';
import { callError, type CallError } from './call-errors';
import { drained } from './drained';

export interface ConnectionsSource {
  /** the entries that pass the filter, at most its limit (the reader stops there) */
  read(filter: ConnectionFilter): Promise<ConnectionEntry[]>;
}

export async function serveConnections(
  call: ServerWritableStream<ConnectionsRequest__Output, Connection>,
  deps: { role: AgentRole; source?: ConnectionsSource; logger: Logger; unmetPreconditions?: () => Promise<string | undefined> },
  refuse: (error: CallError) => void,
): Promise<void> {
  if (deps.role !== 'director') {
    return refuse(callError(status.FAILED_PRECONDITION, 'this agent is a realserver: only a director has an IPVS connection table'));
  }
  if (!deps.source) return refuse(callError(status.UNIMPLEMENTED, 'this agent has no connection table reader'));
  let filter;
  try {
    filter = connectionsRequestFromWire(call.request);
  } catch (err) {
    if (err instanceof WireFieldError) return refuse(callError(status.INVALID_ARGUMENT, `invalid connections request: ${err.message}`));
    throw err;
  }
  let entries: ConnectionEntry[];
  try {
    entries = filterConnections(await deps.source.read(filter), filter);
  } catch (err) {
    // A director without IPVS (or ipvsadm) says so with the fix, as a rollout would.
    const unmet = await deps.unmetPreconditions?.();
    if (unmet) return refuse(callError(status.FAILED_PRECONDITION, unmet));
    deps.logger.error('connections failed', { error: String(err) });
    return refuse(callError(status.INTERNAL, `reading the connection table failed: ${err instanceof Error ? err.message : String(err)}`));
  }
  for (const e of entries) {
    if (call.cancelled) return;
    if (!call.write(connectionToWire(e))) await drained(call);
  }
  call.end();
}
