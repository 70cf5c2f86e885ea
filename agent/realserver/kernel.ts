// The slice of the kernel a realserver agent reads and (in prepare mode) changes. Addresses,
// routes and IPv6 proxy neighbours are read over route netlink (no process per read) when the
// netlink package loads, else with `ip -j` (said once in the log, with why); sysctls are files
// under /proc/sys; changes go through `ip -batch`. Its TCP listeners (the self-report's port
// checks) come from sock_diag, else from /proc/net/tcp.
import { createExec, type Exec } from '../kernel/exec';
import type { Addresses } from '../kernel/addresses';
import type { FtpConfigFiles } from '../kernel/ftp-config';
import type { Routes } from '../kernel/routes';
import type { Neighbours } from '../kernel/neighbours';
import { LinuxNeighbours } from '../kernel/linux/neighbours';
import type { Sysctl } from '../kernel/sysctl';
import { LinuxAddresses } from '../kernel/linux/addresses';
import { LinuxFtpConfigFiles } from '../kernel/linux/ftp-config';
import { LinuxRoutes } from '../kernel/linux/routes';
import { LinuxSysctl } from '../kernel/linux/sysctl';
import { loadNetlinkSockets, type RawNetlinkSocketFactory } from '../kernel/linux/netlink-socket';
import { NetlinkAddresses } from '../kernel/linux/rtnetlink-addresses';
import { NetlinkRoutes } from '../kernel/linux/rtnetlink-routes';
import { NetlinkNeighbours } from '../kernel/linux/rtnetlink-neighbours';
import { NETLINK_ROUTE } from '../../lvs/formats/netlink-wire';
import { NETLINK_SOCK_DIAG } from '../../lvs/formats/inet-diag';
import { procListeningReader, type ReadListening } from '../kernel/listening-sockets';
import { listeningReaderWithFallback, sockDiagListeningReader } from '../kernel/linux/sock-diag-listening';

export interface RealserverKernel {
  sysctl: Sysctl;
  addresses: Addresses;
  routes: Routes;
  neighbours: Neighbours;
  ftpConfig: FtpConfigFiles;
}

export interface RealserverKernelOptions {
  exec?: Exec;
  /** the route netlink sockets, or why not (injected in tests) */
  loadSockets?: () => RawNetlinkSocketFactory | Error;
  log?: { info(message: string, meta?: object): unknown; warn(message: string, meta?: object): unknown };
}

export function createLinuxRealserverKernel(options: RealserverKernelOptions = {}): RealserverKernel {
  const exec = options.exec ?? createExec({ timeoutMs: 30_000 });
  const ip = new LinuxAddresses(exec);
  const sockets = (options.loadSockets ?? (() => loadNetlinkSockets(NETLINK_ROUTE)))();
  if (sockets instanceof Error) options.log?.warn('realserver reads addresses, routes and neighbours with ip -j: route netlink is not usable here', { why: sockets.message });
  else options.log?.info('realserver reads addresses, routes and neighbours over route netlink');
  return {
    sysctl: new LinuxSysctl(),
    addresses: sockets instanceof Error ? ip : new NetlinkAddresses(sockets, ip),
    routes: sockets instanceof Error ? new LinuxRoutes(exec) : new NetlinkRoutes(sockets),
    neighbours: sockets instanceof Error ? new LinuxNeighbours(exec) : new NetlinkNeighbours(sockets),
    ftpConfig: new LinuxFtpConfigFiles(),
  };
}

/**
 * The TCP listeners: over sock_diag, which the kernel filters to the listeners, when the
 * netlink package loads; else, or from the first time the kernel refuses it, /proc/net/tcp
 * and tcp6, every socket of the host parsed (said once in the log, with why).
 */
export function createListeningReader(options: Pick<RealserverKernelOptions, 'loadSockets' | 'log'> = {}): ReadListening {
  const proc = procListeningReader();
  const sockets = (options.loadSockets ?? (() => loadNetlinkSockets(NETLINK_SOCK_DIAG)))();
  if (sockets instanceof Error) {
    options.log?.warn('realserver reads its TCP listeners from /proc/net/tcp: sock_diag is not usable here', { why: sockets.message });
    return proc;
  }
  return listeningReaderWithFallback(sockDiagListeningReader(sockets), proc, (why) =>
    options.log?.warn('realserver reads its TCP listeners from /proc/net/tcp from now on: the kernel refused sock_diag', { why }));
}
