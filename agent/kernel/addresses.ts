// Network devices and their addresses, as `ip -j -d addr show` reports them, and the
// changes a realserver agent makes to them (sent in one `ip -batch -`).
import type { AddressFamily } from '../../lvs/model';

export interface InterfaceAddress {
  family: AddressFamily;
  /** the address itself, e.g. "10.0.0.100" */
  local: string;
  prefixlen: number;
}

export interface NetworkInterface {
  name: string;
  /** link type: "loopback", "ether", "ipip", … */
  linkType: string;
  /** the driver kind from `-d` details: "dummy", "ipip", "veth", … ; absent for plain devices */
  kind?: string;
  /** administratively up (the UP flag) */
  up: boolean;
  addresses: InterfaceAddress[];
}

export type AddressChange =
  | { op: 'add-address'; device: string; address: string; prefixlen: number }
  | { op: 'delete-address'; device: string; address: string; prefixlen: number }
  | { op: 'link-up'; device: string }
  | { op: 'link-down'; device: string };

export interface Addresses {
  list(): Promise<NetworkInterface[]>;
  /** Applies all changes in one batch, stopping at the first that fails (which it throws). */
  apply(changes: readonly AddressChange[]): Promise<void>;
  /** Loads the ipip module, which creates the fallback tunnel device tunl0. */
  loadIpipModule(): Promise<void>;
}

/** The `ip` command line of a change, as an operator would type it (also the batch line without "ip "). */
export function addressChangeCommand(change: AddressChange): string {
  switch (change.op) {
    case 'add-address':
      return `ip addr add ${change.address}/${change.prefixlen} dev ${change.device}`;
    case 'delete-address':
      return `ip addr del ${change.address}/${change.prefixlen} dev ${change.device}`;
    case 'link-up':
      return `ip link set ${change.device} up`;
    case 'link-down':
      return `ip link set ${change.device} down`;
  }
}
