// Kernel parameters (sysctl), in sysctl(8)'s dotted names. An interface name that itself
// contains dots (eth0.100) is written with '/' in that part, as sysctl(8) expects.

/** e.g. "net.ipv4.conf.all.arp_ignore" or "net.ipv4.conf.eth0/100.arp_ignore" */
export type SysctlKey = string;

export interface Sysctl {
  /** Current values, trimmed; a key the kernel does not have (an absent device) maps to undefined. */
  read(keys: readonly SysctlKey[]): Promise<Map<SysctlKey, string | undefined>>;
  /** Sets every key (each its /proc/sys file, no process); throws naming what failed. */
  write(values: ReadonlyArray<readonly [SysctlKey, string]>): Promise<void>;
}

/** Per-interface IPv4 settings a realserver (and a NAT director, send_redirects) cares about. */
export type Ipv4ConfSetting = 'arp_ignore' | 'arp_announce' | 'rp_filter' | 'send_redirects';

const INTERFACE_NAME = /^[^\s/:]{1,15}$/;

/** True for a name the kernel could give a network device (what `ip link add name` accepts). */
export function isInterfaceName(name: string): boolean {
  return INTERFACE_NAME.test(name) && name !== '.' && name !== '..' && !name.includes('\0');
}

/** net.ipv4.conf.<device>.<setting>, with the device written the way sysctl(8) reads it. */
export function ipv4ConfKey(device: string, setting: Ipv4ConfSetting): SysctlKey {
  if (!isInterfaceName(device)) throw new Error(`not a network interface name: ${JSON.stringify(device)}`);
  return `net.ipv4.conf.${device.replace(/\./g, '/')}.${setting}`;
}

/** Per-interface IPv6 settings: an IPv6 LVS-NAT realserver's accept_redirects. */
export type Ipv6ConfSetting = 'accept_redirects' | 'forwarding' | 'proxy_ndp';

/** net.ipv6.conf.<device>.<setting>, with the device written the way sysctl(8) reads it. */
export function ipv6ConfKey(device: string, setting: Ipv6ConfSetting): SysctlKey {
  if (!isInterfaceName(device)) throw new Error(`not a network interface name: ${JSON.stringify(device)}`);
  return `net.ipv6.conf.${device.replace(/\./g, '/')}.${setting}`;
}

/** The /proc/sys path of a key: dots separate directories, '/' inside a part was a dot. */
export function procSysPath(key: SysctlKey): string {
  const parts = key.split('.');
  if (parts.some((p) => p === '' || p === '/' || p.includes('..') || p.includes('\0'))) {
    throw new Error(`not a sysctl name: ${JSON.stringify(key)}`);
  }
  return `/proc/sys/${parts.map((p) => p.replace(/\//g, '.')).join('/')}`;
}
