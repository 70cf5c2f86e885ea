// Default routes read over route netlink (a route dump of the family and a link dump for the
// devices' names), the same DefaultRoute[] `ip -j route show default` gives, without a process.
import type { AddressFamily } from '../../../lvs/model';
import { AF_INET, AF_INET6, decodeRoute, isMainDefaultRoute, routeDumpRequest, RTM_NEWROUTE, type RtLink, type RtNextHop, type RtRoute } from '../../../lvs/formats/rtnetlink';
import type { DefaultRoute, Routes } from '../routes';
import type { RawNetlinkSocketFactory } from './netlink-socket';
import { RTNL_LIMITS, withRtnlChannel, type RtnlLimits } from './rtnetlink-channel';

/** The main table's default routes of `family`; a multipath route gives one a hop, as ip's nexthops. */
export function defaultRoutesOf(family: number, routes: readonly RtRoute[], links: readonly RtLink[]): DefaultRoute[] {
  const names = new Map(links.map((l) => [l.index, l.name]));
  // ip names a link it does not know by its index
  const hopOf = (hop: RtNextHop, of: RtRoute, index: number): DefaultRoute => ({
    ...(hop.gateway !== undefined ? { gateway: hop.gateway } : {}),
    ...(hop.oif !== undefined ? { device: names.get(hop.oif) ?? `if${hop.oif}` } : {}),
    ...(of.priority !== undefined ? { metric: of.priority } : {}),
    route: index,
  });
  return routes
    .filter((r) => r.family === family && isMainDefaultRoute(r))
    .flatMap((r, index) => (r.nexthops.length > 0 ? r.nexthops.map((hop) => hopOf(hop, r, index)) : [hopOf(r, r, index)]));
}

export class NetlinkRoutes implements Routes {
  constructor(private readonly open: RawNetlinkSocketFactory, private readonly limits: RtnlLimits = RTNL_LIMITS) {}

  defaultRoutes(family: AddressFamily): Promise<DefaultRoute[]> {
    const af = family === 'inet6' ? AF_INET6 : AF_INET;
    return withRtnlChannel(this.open, this.limits, async (channel) => {
      const routes = (await channel.dump(`reading the ${family} routes (RTM_GETROUTE dump)`, (seq) => routeDumpRequest(af, seq), RTM_NEWROUTE)).map(decodeRoute);
      const used = routes.filter((r) => r.family === af && isMainDefaultRoute(r));
      // the links' names only when a default route names one
      const links = used.some((r) => r.oif !== undefined || r.nexthops.length > 0) ? await channel.links() : [];
      return defaultRoutesOf(af, used, links);
    });
  }
}
