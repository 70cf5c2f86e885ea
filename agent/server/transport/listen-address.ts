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
  const problem = split === undefined ? shapeProblem(text)
    : isIP(split.address) === 0 ? `${split.address} is not an IPv4 or IPv6 address (a host name is not taken here)`
      : split.port > 65535 ? `port ${split.port} is past 65535`
        : undefined;
  if (problem !== undefined) throw new Error(`--listen ${JSON.stringify(text)}: ${problem}; must be ADDRESS:PORT, e.g. 0.0.0.0:7400 or [::]:7400`);
  return { host: split!.address, port: split!.port };
}

/** What is wrong with text that is not ADDRESS:PORT at all: most often a part left out. */
function shapeProblem(text: string): string {
  if (/^\[[^\]]*\]$/.test(text) || /^[0-9.]+$/.test(text)) return 'the port is missing';
  if (!text.startsWith('[') && (text.match(/:/g) ?? []).length > 1) return 'an IPv6 address goes in brackets, as in [::]:7400';
  if (text.startsWith(':')) return 'the address is missing (0.0.0.0 or [::] for every address)';
  return /^[^:]+:\d+$/.test(text) ? `${text.slice(0, text.lastIndexOf(':'))} is not an IPv4 or IPv6 address (a host name is not taken here)` : 'not ADDRESS:PORT';
}

/** "10.0.0.1:7400", "[::1]:7400": an address and port as logs and messages show them. */
export function hostPort(host: string | undefined, port: number | undefined): string {
  const h = host ?? '?';
  return `${isIP(h) === 6 ? `[${h}]` : h}:${port ?? '?'}`;
}
