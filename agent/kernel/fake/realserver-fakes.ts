// An in-memory realserver host for tests: network devices, sysctls, default routes and
// files, behind the same interfaces as the Linux backends, with the same refusals
// (an address added twice, a device that does not exist, an unknown sysctl) and fault injection.
import type { AddressChange, Addresses, NetworkInterface } from '../addresses';
import type { FtpConfigEntry, FtpConfigFiles, FtpConfigRead } from '../ftp-config';
import type { AddressFamily } from '../../../lvs/model';
import type { DefaultRoute, Routes } from '../routes';
import type { Neighbours, ProxyNeighbour } from '../neighbours';
import { ipv4ConfKey, ipv6ConfKey, type Sysctl, type SysctlKey } from '../sysctl';

export interface FakeRealserverOptions {
  /** the realserver's own address, put on the facing device as /24 (/64) */
  address: string;
  facing?: string;
  /** default route next hop; none when absent */
  gateway?: string;
  /** can `modprobe ipip` succeed */
  ipipAvailable?: boolean;
}

const CONF_SETTINGS = ['arp_ignore', 'arp_announce', 'rp_filter'] as const;

export class FakeRealserverHost {
  interfaces: NetworkInterface[];
  readonly sysctls = new Map<SysctlKey, string>();
  routes: Record<AddressFamily, DefaultRoute[]> = { inet: [], inet6: [] };
  /** IPv6 proxy neighbour entries (`ip -6 neigh add proxy ADDR dev DEV`) */
  proxyNeighbours: ProxyNeighbour[] = [];
  /** absolute path → file content; directories are implied by files under them or listed in dirs */
  readonly files = new Map<string, string>();
  readonly dirs = new Set<string>();
  /** paths whose reading fails as if permission were denied */
  readonly unreadable = new Set<string>();
  ipipAvailable: boolean;
  /** every process the Linux backend would have started, e.g. "ip -batch", "modprobe ipip" */
  readonly processes: string[] = [];
  /** the next call of that kind throws this message */
  readonly failNext: { addresses?: string; sysctl?: string; list?: string } = {};

  constructor(opts: FakeRealserverOptions) {
    const facing = opts.facing ?? 'eth0';
    const v6 = opts.address.includes(':');
    this.interfaces = [
      { name: 'lo', linkType: 'loopback', up: true, addresses: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8 }, { family: 'inet6', local: '::1', prefixlen: 128 }] },
      { name: facing, linkType: 'ether', kind: 'veth', up: true, addresses: [{ family: v6 ? 'inet6' : 'inet', local: opts.address, prefixlen: v6 ? 64 : 24 }] },
    ];
    for (const dev of ['all', 'default', 'lo', facing]) {
      for (const s of CONF_SETTINGS) this.sysctls.set(ipv4ConfKey(dev, s), '0');
      // the kernel's default for a host that does not forward
      this.sysctls.set(ipv6ConfKey(dev, 'accept_redirects'), '1');
      this.sysctls.set(ipv6ConfKey(dev, 'forwarding'), '0');
      this.sysctls.set(ipv6ConfKey(dev, 'proxy_ndp'), '0');
    }
    if (opts.gateway) this.routes[opts.gateway.includes(':') ? 'inet6' : 'inet'].push({ gateway: opts.gateway, device: facing });
    this.ipipAvailable = opts.ipipAvailable ?? true;
  }

  device(name: string): NetworkInterface | undefined {
    return this.interfaces.find((i) => i.name === name);
  }

  /** Puts an address on a device (creating a dummy device if asked for one that does not exist). */
  addAddress(device: string, address: string, prefixlen: number, kind?: string): void {
    let dev = this.device(device);
    if (!dev) {
      dev = { name: device, linkType: 'ether', ...(kind ? { kind } : {}), up: true, addresses: [] };
      this.interfaces.push(dev);
    }
    dev.addresses.push({ family: address.includes(':') ? 'inet6' : 'inet', local: address, prefixlen });
  }

  hasAddress(device: string, address: string, prefixlen?: number): boolean {
    return this.device(device)?.addresses.some((a) => a.local === address && (prefixlen === undefined || a.prefixlen === prefixlen)) ?? false;
  }

  addFile(path: string, content: string): void {
    this.files.set(path, content);
  }

  readonly addresses: Addresses = {
    list: async () => {
      this.throwIfAsked('list');
      return structuredClone(this.interfaces);
    },
    apply: async (changes: readonly AddressChange[]) => {
      this.processes.push('ip -batch');
      this.throwIfAsked('addresses');
      // ip -batch stops at the first failing line; the lines before it stay applied.
      for (const change of changes) this.applyOne(change);
    },
    loadIpipModule: async () => {
      this.processes.push('modprobe ipip');
      if (!this.ipipAvailable) throw new Error('modprobe ipip: exited with status 1: modprobe: FATAL: Module ipip not found');
      if (this.device('tunl0')) return;
      this.interfaces.push({ name: 'tunl0', linkType: 'ipip', kind: 'ipip', up: false, addresses: [] });
      for (const s of CONF_SETTINGS) this.sysctls.set(ipv4ConfKey('tunl0', s), this.sysctls.get(ipv4ConfKey('default', s)) ?? '0');
    },
  };

  private applyOne(change: AddressChange): void {
    const dev = this.device(change.device);
    if (!dev) throw new Error(`ip -batch: Cannot find device "${change.device}"`);
    switch (change.op) {
      case 'link-up':
      case 'link-down':
        dev.up = change.op === 'link-up';
        return;
      case 'add-address':
        if (dev.addresses.some((a) => a.local === change.address)) throw new Error('ip -batch: RTNETLINK answers: File exists');
        dev.addresses.push({ family: change.address.includes(':') ? 'inet6' : 'inet', local: change.address, prefixlen: change.prefixlen });
        return;
      case 'delete-address': {
        const at = dev.addresses.findIndex((a) => a.local === change.address && a.prefixlen === change.prefixlen);
        if (at < 0) throw new Error('ip -batch: RTNETLINK answers: Cannot assign requested address');
        dev.addresses.splice(at, 1);
        return;
      }
    }
  }

  readonly sysctl: Sysctl = {
    read: async (keys) => new Map(keys.map((k) => [k, this.sysctls.get(k)])),
    write: async (values) => {
      this.throwIfAsked('sysctl');
      // Written file by file (no process): keys before a missing one are set, then it fails.
      for (const [k, v] of values) {
        if (!this.sysctls.has(k)) throw new Error(`cannot set ${k} to ${v}: ENOENT (the agent must run as root)`);
        this.sysctls.set(k, v);
      }
    },
  };

  readonly routeTable: Routes = {
    defaultRoutes: async (family) => structuredClone(this.routes[family]),
  };

  readonly neighbourTable: Neighbours = {
    ipv6Proxies: async () => structuredClone(this.proxyNeighbours),
  };

  readonly ftpConfig: FtpConfigFiles = {
    entryKind: async (path): Promise<FtpConfigEntry> => {
      if (this.files.has(path)) return 'file';
      if (this.dirs.has(path) || [...this.files.keys()].some((f) => f.startsWith(`${path}/`))) return 'directory';
      return 'missing';
    },
    readText: async (path, maxBytes): Promise<FtpConfigRead> => {
      if (this.unreadable.has(path)) return { ok: false, reason: 'the agent may not read it (permission denied)' };
      const text = this.files.get(path);
      if (text === undefined) return { ok: false, reason: 'it does not exist' };
      const bytes = Buffer.from(text, 'utf8');
      return { ok: true, text: bytes.subarray(0, maxBytes).toString('utf8'), truncated: bytes.length > maxBytes };
    },
  };

  /** The five interfaces together, shaped as the realserver verifier takes them. */
  kernel(): { sysctl: Sysctl; addresses: Addresses; routes: Routes; neighbours: Neighbours; ftpConfig: FtpConfigFiles } {
    return { sysctl: this.sysctl, addresses: this.addresses, routes: this.routeTable, neighbours: this.neighbourTable, ftpConfig: this.ftpConfig };
  }

  private throwIfAsked(kind: keyof FakeRealserverHost['failNext']): void {
    const message = this.failNext[kind];
    if (message === undefined) return;
    delete this.failNext[kind];
    throw new Error(message);
  }
}
