// The director's interfaces and their addresses, for the LVS-NAT path check
// (director/nat-path.ts): over route netlink when the netlink package loads (no process),
// else `ip -j addr show`, the realserver's readers either way. Loaded at the first check, not
// at start: an idle director keeps the realserver's doors unloaded, and one whose plans have no
// NAT reads only at the first announced apply after its start (nat-path-ahead.ts).
import type { Exec } from '../exec';
import type { NetworkInterface } from '../addresses';

export function natPathAddresses(exec: Exec): () => Promise<NetworkInterface[]> {
  let reader: Promise<{ list(): Promise<NetworkInterface[]> }> | undefined;
  return async () => {
    reader ??= (async () => {
      const [{ LinuxAddresses }, { loadNetlinkSockets }, { NetlinkAddresses }, { NETLINK_ROUTE }] = await Promise.all([
        import('./addresses'), import('./netlink-socket'), import('./rtnetlink-addresses'), import('../../../lvs/formats/netlink-wire'),
      ]);
      const ip = new LinuxAddresses(exec);
      const sockets = loadNetlinkSockets(NETLINK_ROUTE);
      return sockets instanceof Error ? ip : new NetlinkAddresses(sockets, ip);
    })();
    return (await reader).list();
  };
}
