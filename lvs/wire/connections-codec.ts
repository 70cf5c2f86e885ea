// Connection entries and the ConnectionsRequest, in both directions. The agent checks the
// request's filters (addresses) and limit; the controller checks each entry it receives.
import type { ConnectionEntry, ConnectionFilter } from '../formats/ipvs-connections';
import { DEFAULT_CONNECTION_LIMIT, MAX_CONNECTION_LIMIT } from '../formats/ipvs-connections';
import type { Connection, Connection__Output } from '../../proto/generated/lvsctl/v1/Connection';
import type { ConnectionsRequest, ConnectionsRequest__Output } from '../../proto/generated/lvsctl/v1/ConnectionsRequest';
import { bool, boundedString, intIn, ipAddress } from './checks';
import { canonicalAddress } from '../address';

export function connectionToWire(e: ConnectionEntry): Connection {
  return {
    protocol: e.protocol,
    expiresSeconds: e.expiresSeconds,
    state: e.state,
    clientAddress: e.client.address,
    clientPort: e.client.port,
    virtualAddress: e.virtual.address,
    virtualPort: e.virtual.port,
    fwmark: e.fwmark ?? 0,
    destinationAddress: e.destination.address,
    destinationPort: e.destination.port,
    template: e.template,
  };
}

export function connectionFromWire(w: Connection__Output): ConnectionEntry {
  const port = (value: unknown, path: string) => intIn(value, 0, 65535, path);
  const fwmark = intIn(w.fwmark, 0, 2 ** 32 - 1, 'fwmark');
  return {
    protocol: boundedString(w.protocol, 'protocol', { max: 8, pattern: /^[A-Z]+$/, shape: 'a protocol name such as TCP' }),
    expiresSeconds: intIn(w.expiresSeconds, 0, 2 ** 32 - 1, 'expiresSeconds'),
    state: boundedString(w.state, 'state', { max: 32, pattern: /^[A-Z_]+$/, shape: 'a state such as ESTABLISHED' }),
    client: { address: ipAddress(w.clientAddress, 'clientAddress'), port: port(w.clientPort, 'clientPort') },
    virtual: { address: ipAddress(w.virtualAddress, 'virtualAddress'), port: port(w.virtualPort, 'virtualPort') },
    ...(fwmark ? { fwmark } : {}),
    destination: { address: ipAddress(w.destinationAddress, 'destinationAddress'), port: port(w.destinationPort, 'destinationPort') },
    template: bool(w.template, 'template'),
  };
}

export function connectionsRequestToWire(filter: Partial<ConnectionFilter>): ConnectionsRequest {
  return { client: filter.client ?? '', vip: filter.vip ?? '', realserver: filter.realserver ?? '', limit: filter.limit ?? 0 };
}

/** The request as a filter; a WireFieldError names a field that is not an address or a limit out of range. */
export function connectionsRequestFromWire(w: ConnectionsRequest__Output): ConnectionFilter {
  // in the kernel's one spelling, as the entries it is compared with are (2001:DB8:0::1 is 2001:db8::1)
  const address = (value: unknown, path: string) => (value === '' || value === undefined ? undefined : canonicalAddress(ipAddress(value, path)));
  const client = address(w.client, 'client');
  const vip = address(w.vip, 'vip');
  const realserver = address(w.realserver, 'realserver');
  const limit = intIn(w.limit ?? 0, 0, MAX_CONNECTION_LIMIT, 'limit') || DEFAULT_CONNECTION_LIMIT;
  return { ...(client ? { client } : {}), ...(vip ? { vip } : {}), ...(realserver ? { realserver } : {}), limit };
}
