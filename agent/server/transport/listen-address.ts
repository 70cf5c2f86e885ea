// --listen ADDRESS:PORT, parsed and checked: where the agent accepts connections.
import { isIP } from 'net';
import { splitAddressPort } from '../../../lvs/address';

export interface ListenAddress {
  host: string;
  port: number;
}

/** "0.0.0.0:7400", "127.0.0.1:0", "[::]:7400" → host and port; a message naming the fix otherwise. */
export function parseListenAddress(text: string): ListenAddress {
  const split = splitAddressPort(text);
  if (split === undefined || isIP(split.address) === 0 || split.port > 65535) {
    throw new Error(`--listen ${JSON.stringify(text)}: must be ADDRESS:PORT, e.g. 0.0.0.0:7400 or [::]:7400`);
  }
  return { host: split.address, port: split.port };
}

/** "10.0.0.1:7400", "[::1]:7400": an address and port as logs and messages show them. */
export function hostPort(host: string | undefined, port: number | undefined): string {
  const h = host ?? '?';
  return `${isIP(h) === 6 ? `[${h}]` : h}:${port ?? '?'}`;
}
