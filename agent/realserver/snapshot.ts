// What a realserver's kernel looks like right now, read in one go before any check.
import type { DefaultRoute } from '../kernel/routes';
import type { NetworkInterface } from '../kernel/addresses';
import type { ProxyNeighbour } from '../kernel/neighbours';
import type { SysctlKey } from '../kernel/sysctl';
import { canonicalAddress } from '../../lvs/address';
import type { RealserverPlan } from '../../lvs/host-plan';
import type { RealserverKernel } from './kernel';
import { sysctlKeysToRead } from './sysctl-checks';
import { forwardingKeysToRead, redirectDevices, redirectKeysToRead } from './redirect-checks';
import { readFtpConfig, type FtpConfigSnapshot } from './ftp-checks';
import { appendAll } from '../../lvs/append';
import { proxySwitchKeysToRead } from './ipv6-vip-checks';

export interface RealserverSnapshot {
  interfaces: NetworkInterface[];
  sysctls: Map<SysctlKey, string | undefined>;
  /** default routes of the families the NAT duties' directors use; empty without NAT */
  defaultRoutes: DefaultRoute[];
  /** IPv6 proxy neighbour entries; read only for IPv6 DR/TUN VIPs, else empty */
  proxyNeighbours: ProxyNeighbour[];
  ftp?: FtpConfigSnapshot;
}

/** The interface holding the address the directors send to, if any. */
export function facingInterface(interfaces: readonly NetworkInterface[], address: string): NetworkInterface | undefined {
  // the kernel's addresses come in their one spelling; the plan's may not (2001:DB8:0::11)
  const wanted = canonicalAddress(address);
  return interfaces.find((i) => i.addresses.some((a) => a.local === wanted));
}

export async function inspectRealserver(kernel: RealserverKernel, plan: RealserverPlan): Promise<RealserverSnapshot> {
  const interfaces = await kernel.addresses.list();
  const facing = facingInterface(interfaces, plan.address)?.name;
  const defaultRoutes: DefaultRoute[] = [];
  const natDirectors = plan.duties.filter((d) => d.forwarding === 'nat').flatMap((d) => d.directors);
  if (natDirectors.some((a) => !a.includes(':'))) appendAll(defaultRoutes, await kernel.routes.defaultRoutes('inet'));
  if (natDirectors.some((a) => a.includes(':'))) appendAll(defaultRoutes, await kernel.routes.defaultRoutes('inet6'));
  // the routes first: an IPv6 NAT realserver's redirect switch is read on the route's device
  const redirectVia = redirectDevices(facing, defaultRoutes);
  const sysctls = await kernel.sysctl.read([...sysctlKeysToRead(plan, facing), ...redirectKeysToRead(plan, redirectVia), ...forwardingKeysToRead(plan, redirectVia)]);
  const ipv6Vips = plan.duties.some((d) => d.forwarding !== 'nat' && d.vips.some((v) => v.includes(':')));
  const proxyNeighbours = ipv6Vips ? await kernel.neighbours.ipv6Proxies() : [];
  // whether those entries answer at all (ipv6-vip-checks.ts): read only when there are some
  const proxySwitches = proxySwitchKeysToRead(proxyNeighbours);
  if (proxySwitches.length > 0) for (const [key, value] of await kernel.sysctl.read(proxySwitches)) sysctls.set(key, value);
  const ftpWanted = plan.ftp && plan.duties.some((d) => d.ftpPassivePorts !== undefined);
  const ftp = ftpWanted && plan.ftp ? await readFtpConfig(kernel.ftpConfig, plan.ftp) : undefined;
  return { interfaces, sysctls, defaultRoutes, proxyNeighbours, ...(ftp ? { ftp } : {}) };
}
