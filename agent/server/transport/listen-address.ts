// --listen ADDRESS:PORT, parsed and checked: where the agent accepts connections.
import { isIP } from 'net';

export interface ListenAddress {
  host: string;
  port: number;
}

/** "0.0.0.0:7400", "127.0.0.1:0", "[::]:7400" → host and port; a message naming the fix otherwise. */
export function parseListenAddress(text: string): ListenAddress {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([0-9.]+)):(\d{1,5})$/.exec(text);
  const host = m ? (m[1] ?? m[2]) : '';
  const port = m ? Number(m[3]) : NaN;
  if (!m || isIP(host) === 0 || port > 65535) {
    throw new Error(`--listen ${JSON.stringify(text)}: must be ADDRESS:PORT, e.g. 0.0.0.0:7400 or [::]:7400`);
  }
  return { host, port };
}

/** "10.0.0.1:7400", "[::1]:7400": an address and port as logs and messages show them. */
export function hostPort(host: string | undefined, port: number | undefined): string {
  const h = host ?? '?';
  return `${isIP(h) === 6 ? `[${h}]` : h}:${port ?? '?'}`;
}
