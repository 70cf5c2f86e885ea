// Devices and their addresses read over route netlink (a link dump and an address dump on
// one socket), the same NetworkInterface[] `ip -j -d addr show` gives, without a process.
// Changes still go through `ip -batch -` and modprobe (addresses.ts): one process per apply.
import { addressDumpRequest, AF_INET, AF_INET6, decodeAddress, IFF_UP, RTM_NEWADDR, type RtAddress, type RtLink } from '../../../lvs/formats/rtnetlink';
import type { AddressChange, Addresses, NetworkInterface } from '../addresses';
import type { RawNetlinkSocketFactory } from './netlink-socket';
import { RTNL_LIMITS, withRtnlChannel, type RtnlLimits } from './rtnetlink-channel';

/** The links in the kernel's order, each with its IPv4 and IPv6 addresses in the kernel's order. */
export function interfacesOf(links: readonly RtLink[], addresses: readonly RtAddress[]): NetworkInterface[] {
  return links.map((link) => ({
    name: link.name,
    linkType: link.linkType,
    ...(link.kind !== undefined ? { kind: link.kind } : {}),
    up: (link.flags & IFF_UP) !== 0,
    addresses: addresses.flatMap((a) =>
      a.index === link.index && a.local !== undefined && (a.family === AF_INET || a.family === AF_INET6)
        ? [{ family: a.family === AF_INET ? 'inet' as const : 'inet6' as const, local: a.local, prefixlen: a.prefixlen }]
        : [],
    ),
  }));
}

export class NetlinkAddresses implements Addresses {
  /** `writer` makes the changes (ip -batch, modprobe) */
  constructor(private readonly open: RawNetlinkSocketFactory, private readonly writer: Pick<Addresses, 'apply' | 'loadIpipModule'>, private readonly limits: RtnlLimits = RTNL_LIMITS) {}

  list(): Promise<NetworkInterface[]> {
    return withRtnlChannel(this.open, this.limits, async (channel) => {
      const links = await channel.links();
      const addresses = (await channel.dump('reading the addresses (RTM_GETADDR dump)', addressDumpRequest, RTM_NEWADDR)).map(decodeAddress);
      return interfacesOf(links, addresses);
    });
  }

  apply(changes: readonly AddressChange[]): Promise<void> {
    return this.writer.apply(changes);
  }

  loadIpipModule(): Promise<void> {
    return this.writer.loadIpipModule();
  }
}
