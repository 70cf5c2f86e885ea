// Run inside a test's network namespace (nsenter --net=… node rtnetlink-read.js): reads the
// namespace's devices, default routes and IPv6 proxy neighbours over route netlink, as a realserver agent does, and
// prints them as JSON. A netlink socket belongs to the namespace of the process that opens
// it, so this cannot run in the test's own process.
import { NETLINK_ROUTE } from '../../../lvs/formats/netlink-wire';
import { loadNetlinkSockets } from '../../../agent/kernel/linux/netlink-socket';
import { NetlinkAddresses } from '../../../agent/kernel/linux/rtnetlink-addresses';
import { NetlinkNeighbours } from '../../../agent/kernel/linux/rtnetlink-neighbours';
import { NetlinkRoutes } from '../../../agent/kernel/linux/rtnetlink-routes';

async function main(): Promise<void> {
  const sockets = loadNetlinkSockets(NETLINK_ROUTE);
  if (sockets instanceof Error) throw sockets;
  const noWrites = { apply: () => Promise.reject(new Error('read only')), loadIpipModule: () => Promise.reject(new Error('read only')) };
  const routes = new NetlinkRoutes(sockets);
  process.stdout.write(JSON.stringify({
    interfaces: await new NetlinkAddresses(sockets, noWrites).list(),
    inet: await routes.defaultRoutes('inet'),
    inet6: await routes.defaultRoutes('inet6'),
    proxies: await new NetlinkNeighbours(sockets).ipv6Proxies(),
  }));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
