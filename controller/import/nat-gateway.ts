// What `lvsctl import` can tell about a director's NAT gateway: with the director's own
// addresses (`ip -j addr show`, --director-addresses), the address whose network holds
// every LVS-NAT realserver is where they must route through. ipvsadm and iptables output
// alone cannot tell, and a guess (the network's .1) would be worse than a note. Pure.
import { z } from 'zod';
import { familyOf } from '../../lvs/address';
import { addressBytes } from '../../lvs/formats/ip-address-bytes';

export interface DirectorAddress {
  device: string;
  address: string;
  prefixlen: number;
}

const ipAddrJson = z.array(z.object({
  ifname: z.string(),
  addr_info: z.array(z.object({ family: z.string(), local: z.string().optional(), prefixlen: z.number().int().optional() })).default([]),
}));

/** Reads `ip -j addr show`; an Error says what is wrong with it. */
export function parseDirectorAddresses(text: string): DirectorAddress[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`not the JSON of \`ip -j addr show\`: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = ipAddrJson.safeParse(raw);
  if (!parsed.success) throw new Error('not the shape of `ip -j addr show` (a list of devices with "ifname" and "addr_info")');
  return parsed.data.flatMap((device) =>
    device.addr_info.flatMap((a) =>
      (a.family === 'inet' || a.family === 'inet6') && a.local !== undefined && a.prefixlen !== undefined
        ? [{ device: device.ifname, address: a.local, prefixlen: a.prefixlen }]
        : [],
    ),
  );
}

function inNetwork(address: string, network: DirectorAddress): boolean {
  if (familyOf(address) !== familyOf(network.address)) return false;
  const a = addressBytes(address);
  const n = addressBytes(network.address);
  for (let bit = 0; bit < network.prefixlen; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if ((a[byte] & mask) !== (n[byte] & mask)) return false;
  }
  return true;
}

export type GatewayFinding = { natGateway: string; device: string } | { natGateway?: undefined; why: string };

/**
 * The director's address whose network holds every NAT realserver: a host route (/32,
 * /128) or a loopback address holds no network; several candidates or none is no answer.
 */
export function findNatGateway(realservers: readonly string[], addresses: readonly DirectorAddress[]): GatewayFinding {
  const networks = addresses.filter((a) => a.device !== 'lo' && a.prefixlen < (familyOf(a.address) === 'inet6' ? 128 : 32) && !a.address.startsWith('fe80:'));
  const holding = networks.filter((n) => realservers.every((rs) => inNetwork(rs, n)));
  if (holding.length === 1) return { natGateway: holding[0].address, device: holding[0].device };
  if (holding.length === 0) return { why: `no address of the director is on a network holding all of ${realservers.join(', ')}` };
  return { why: `several addresses of the director hold them (${holding.map((h) => `${h.address}/${h.prefixlen} on ${h.device}`).join(', ')})` };
}
