// One verified fact about a realserver, and what prepare mode may do to make it true.
import { addressChangeCommand } from '../kernel/addresses';
import type { SysctlKey } from '../kernel/sysctl';

/** A change prepare mode is allowed to make, and then owns. */
export type Remedy =
  | { kind: 'address'; device: string; address: string; prefixlen: number }
  | { kind: 'link-up'; device: string }
  | { kind: 'ipip-module' }
  | { kind: 'sysctl'; key: SysctlKey; value: string };

export interface CheckResult {
  /** e.g. "check-vip", "check-arp_ignore", "check-ftp-passive" */
  action: string;
  /** e.g. "10.0.0.100", "net.ipv4.conf.all.arp_ignore", "/etc/vsftpd.conf" */
  target: string;
  /** ok, failed, or skipped (the agent cannot judge it, and says why) */
  status: 'ok' | 'failed' | 'skipped';
  message: string;
  /** for a failed check: the exact command (or edit) that fixes it */
  fix?: string;
  /** for a failed check prepare mode may repair; absent when it must be left to the operator */
  remedies?: Remedy[];
}

export function remedyCommand(r: Remedy): string {
  switch (r.kind) {
    case 'address':
      return addressChangeCommand({ op: 'add-address', device: r.device, address: r.address, prefixlen: r.prefixlen });
    case 'link-up':
      return addressChangeCommand({ op: 'link-up', device: r.device });
    case 'ipip-module':
      return 'modprobe ipip';
    case 'sysctl':
      return `sysctl -w ${r.key}=${r.value}`;
  }
}

/** The fix of a set of remedies as one command line, sysctls merged into one `sysctl -w`. */
export function remediesCommand(remedies: readonly Remedy[]): string {
  const sysctls = remedies.flatMap((r) => (r.kind === 'sysctl' ? [`${r.key}=${r.value}`] : []));
  const others = remedies.filter((r) => r.kind !== 'sysctl').map(remedyCommand);
  return [...others, ...(sysctls.length ? [`sysctl -w ${sysctls.join(' ')}`] : [])].join(' && ');
}

export function fullPrefix(address: string): number {
  return address.includes(':') ? 128 : 32;
}
