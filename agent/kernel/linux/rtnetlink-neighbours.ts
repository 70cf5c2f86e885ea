// The IPv6 proxy neighbour entries read over route netlink (a proxy-table dump and a link dump
// for the devices' names), the same ProxyNeighbour[] `ip -j -6 neigh show proxy` gives,
// without a process.
import { AF_INET6, decodeNeighbour, NTF_PROXY, proxyNeighbourDumpRequest, RTM_NEWNEIGH, type RtLink, type RtNeighbour } from '../../../lvs/formats/rtnetlink';
import type { Neighbours, ProxyNeighbour } from '../neighbours';
import type { RawNetlinkSocketFactory } from './netlink-socket';
import { RTNL_LIMITS, withRtnlChannel, type RtnlLimits } from './rtnetlink-channel';

/** The IPv6 proxy entries on a device (ip prints an entry on none without a device, which no check can use). */
export function proxyNeighboursOf(entries: readonly RtNeighbour[], links: readonly RtLink[]): ProxyNeighbour[] {
  const names = new Map(links.map((l) => [l.index, l.name]));
  return entries.flatMap((n) =>
    n.family === AF_INET6 && (n.flags & NTF_PROXY) !== 0 && n.address !== undefined && n.index !== 0
      ? [{ address: n.address, device: names.get(n.index) ?? `if${n.index}` }]
      : [],
  );
}

export class NetlinkNeighbours implements Neighbours {
  constructor(private readonly open: RawNetlinkSocketFactory, private readonly limits: RtnlLimits = RTNL_LIMITS) {}

  ipv6Proxies(): Promise<ProxyNeighbour[]> {
    return withRtnlChannel(this.open, this.limits, async (channel) => {
      const entries = (await channel.dump('reading the IPv6 proxy neighbours (RTM_GETNEIGH dump)', proxyNeighbourDumpRequest, RTM_NEWNEIGH)).map(decodeNeighbour);
      const links = entries.length > 0 ? await channel.links() : [];
      return proxyNeighboursOf(entries, links);
    });
  }
}
