// Before/after text of what prepare sets or undoes, for `lvsctl rollout --diff`: one line
// per address, link and sysctl it touches, as the kernel has it now and as it will be.
import type { DiffEvent } from '../../lvs/apply-events';
import type { NetworkInterface } from '../kernel/addresses';
import type { SysctlKey } from '../kernel/sysctl';
import type { Remedy } from './check-result';
import { addressId, heldAddresses, type UndoItem } from './ownership-plan';

function addressLine(device: string, address: string, prefixlen: number): string {
  return `addr ${address}/${prefixlen} dev ${device}`;
}

function linkLine(interfaces: readonly NetworkInterface[], device: string): string {
  const dev = interfaces.find((i) => i.name === device);
  return `link ${device} ${dev ? (dev.up ? 'up' : 'down') : 'absent'}`;
}

export function realserverDiff(
  interfaces: readonly NetworkInterface[],
  sysctls: ReadonlyMap<SysctlKey, string | undefined>,
  remedies: readonly Remedy[],
  undo: readonly UndoItem[],
): DiffEvent | undefined {
  const before: string[] = [];
  const after: string[] = [];
  const held = heldAddresses(interfaces);
  const has = (device: string, address: string, prefixlen: number) => held.has(addressId({ device, address, prefixlen }));
  for (const r of remedies) {
    if (r.kind === 'address' && !has(r.device, r.address, r.prefixlen)) after.push(addressLine(r.device, r.address, r.prefixlen));
    if (r.kind === 'link-up') {
      before.push(linkLine(interfaces, r.device));
      after.push(`link ${r.device} up`);
    }
    if (r.kind === 'sysctl' && sysctls.get(r.key) !== r.value) {
      before.push(`${r.key} = ${sysctls.get(r.key) ?? '(absent)'}`);
      after.push(`${r.key} = ${r.value}`);
    }
  }
  for (const item of undo) {
    if (item.kind === 'address' && item.change) before.push(addressLine(item.owned.device, item.owned.address, item.owned.prefixlen));
    if (item.kind === 'link' && item.change) {
      before.push(`link ${item.device} up`);
      after.push(`link ${item.device} down`);
    }
    if (item.kind === 'sysctl' && item.restore) {
      before.push(`${item.owned.key} = ${item.owned.value}`);
      after.push(`${item.owned.key} = ${item.owned.previous}`);
    }
  }
  if (before.length === 0 && after.length === 0) return undefined;
  const text = (lines: string[]) => (lines.length ? `${[...new Set(lines)].sort().join('\n')}\n` : '');
  return { kind: 'diff', subject: 'realserver', before: text(before), after: text(after) };
}
