// The routing table, as far as a LVS-NAT realserver needs it: its default routes.
import type { AddressFamily } from '../../lvs/model';

export interface DefaultRoute {
  /** the next hop; absent for a device route ("default dev ppp0") */
  gateway?: string;
  device?: string;
  /** the route's metric (absent: 0): the kernel sends by the lowest */
  metric?: number;
  /** the hops of one multipath route share it (its position in the dump); absent: a route of its own */
  route?: number;
}

export interface Routes {
  /** The default routes of the main table for one address family (`ip -j route show default`). */
  defaultRoutes(family: AddressFamily): Promise<DefaultRoute[]>;
}
