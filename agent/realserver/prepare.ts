// Prepare mode's changes to the kernel, with the state file kept in step: what the agent
// is about to set is recorded first (so a crash cannot leave an unrecorded change), then
// set in as few processes as possible, then the record is corrected to what really happened.
import { errorMessage } from '../../lvs/errors';
import type { AddressChange } from '../kernel/addresses';
import type { OwnedAddress, OwnedSysctl, RealserverOwned } from '../state/realserver-owned';
import type { Remedy } from './check-result';
import type { RealserverKernel } from './kernel';
import { addressId, heldAddresses, type UndoItem } from './ownership-plan';

export type PersistOwned = (owned: RealserverOwned) => Promise<void>;

export interface KernelChangeOutcome {
  owned: RealserverOwned;
  /** what failed, if anything; the changes before it stand (and are recorded) */
  error?: string;
}

/**
 * The ARP and rp_filter settings go first, the addresses after, and only once the settings
 * took: a VIP added to lo while arp_ignore is still 0 answers ARP for it, and takes the VIP
 * from the director for the whole service (a /proc/sys that refuses writes left exactly that).
 */
export async function applyRemedies(kernel: RealserverKernel, remedies: readonly Remedy[], start: RealserverOwned, persist: PersistOwned): Promise<KernelChangeOutcome> {
  let owned: RealserverOwned = structuredClone(start);
  try {
    // the tunnel device's own settings (conf/tunl0/...) exist once its module is loaded
    if (remedies.some((r) => r.kind === 'ipip-module')) await kernel.addresses.loadIpipModule();

    const wantedSysctls = remedies.flatMap((r) => (r.kind === 'sysctl' ? [r] : []));
    if (wantedSysctls.length > 0) {
      const current = await kernel.sysctl.read(wantedSysctls.map((r) => r.key));
      const missing = wantedSysctls.filter((r) => current.get(r.key) === undefined);
      if (missing.length > 0) {
        return { owned, error: `cannot set ${missing.map((r) => r.key).join(', ')}: the kernel has no such setting (no address was added either: without it the host would answer for the VIP)` };
      }
      const toWrite = wantedSysctls.filter((r) => current.get(r.key) !== r.value);
      const newSysctls: OwnedSysctl[] = toWrite.map((r) => ({
        key: r.key,
        value: r.value,
        // set before and set again (someone changed it since): the value before the first change is what to restore
        previous: owned.sysctls.find((s) => s.key === r.key)?.previous ?? String(current.get(r.key)),
      }));
      if (newSysctls.length > 0) {
        const rewritten = new Set(toWrite.map((r) => r.key));
        owned = { ...owned, sysctls: [...owned.sysctls.filter((s) => !rewritten.has(s.key)), ...newSysctls] };
        await persist(owned);
        try {
          await kernel.sysctl.write(toWrite.map((r) => [r.key, r.value] as const));
        } catch (e) {
          const after = await kernel.sysctl.read(toWrite.map((r) => r.key));
          const attempted = new Set(newSysctls);
          owned = { ...owned, sysctls: owned.sysctls.filter((s) => !attempted.has(s) || after.get(s.key) === s.value) };
          await persist(owned);
          return { owned, error: `${errorMessage(e)} (no address was added: without these settings the host would answer ARP for the VIP)` };
        }
      }
    }

    const interfaces = await kernel.addresses.list();
    const held = heldAddresses(interfaces);
    const changes: AddressChange[] = [];
    const newLinks: string[] = [];
    const newAddresses: OwnedAddress[] = [];
    for (const r of remedies) {
      if (r.kind === 'link-up' && !interfaces.find((i) => i.name === r.device)?.up) {
        changes.push({ op: 'link-up', device: r.device });
        newLinks.push(r.device);
      } else if (r.kind === 'address') {
        const a = { device: r.device, address: r.address, prefixlen: r.prefixlen };
        if (held.has(addressId(a))) continue;
        changes.push({ op: 'add-address', ...a });
        newAddresses.push(a);
      }
    }
    if (changes.length > 0) {
      const newIds = new Set(newAddresses.map(addressId));
      owned = {
        ...owned,
        links: [...new Set([...owned.links, ...newLinks])],
        addresses: [...owned.addresses.filter((a) => !newIds.has(addressId(a))), ...newAddresses],
      };
      await persist(owned);
      try {
        await kernel.addresses.apply(changes);
      } catch (e) {
        const listed = await kernel.addresses.list();
        const after = heldAddresses(listed);
        const upAfter = new Set(listed.filter((i) => i.up).map((i) => i.name));
        const attempted = new Set(newAddresses);
        owned = {
          ...owned,
          links: owned.links.filter((l) => !newLinks.includes(l) || upAfter.has(l)),
          addresses: owned.addresses.filter((a) => !attempted.has(a) || after.has(addressId(a))),
        };
        await persist(owned);
        return { owned, error: errorMessage(e) };
      }
    }
    return { owned };
  } catch (e) {
    return { owned, error: errorMessage(e) };
  }
}

/** Carries out planned undo items: one address batch, one sysctl write; forgets what it undid or may not touch. */
export async function executeUndo(kernel: RealserverKernel, items: readonly UndoItem[], start: RealserverOwned, persist: PersistOwned): Promise<KernelChangeOutcome> {
  let owned: RealserverOwned = structuredClone(start);
  const addressItems = items.flatMap((i) => (i.kind === 'address' ? [i] : []));
  const linkItems = items.flatMap((i) => (i.kind === 'link' ? [i] : []));
  const sysctlItems = items.flatMap((i) => (i.kind === 'sysctl' ? [i] : []));
  try {
    // Addresses go before the link that carries them.
    const changes = [...addressItems, ...linkItems].flatMap((i) => (i.change ? [i.change] : []));
    if (changes.length > 0) await kernel.addresses.apply(changes);
    const undone = new Set(addressItems.map((i) => addressId(i.owned)));
    owned = {
      ...owned,
      addresses: owned.addresses.filter((a) => !undone.has(addressId(a))),
      links: owned.links.filter((l) => !linkItems.some((i) => i.device === l)),
    };
    const restores = sysctlItems.flatMap((i) => (i.restore ? [i.restore] : []));
    if (restores.length > 0) await kernel.sysctl.write(restores);
    owned = { ...owned, sysctls: owned.sysctls.filter((s) => !sysctlItems.some((i) => i.owned.key === s.key)) };
    await persist(owned);
    return { owned };
  } catch (e) {
    // Keep owning whatever is still there as prepare left it, so a later run retries the undo.
    const interfaces = await kernel.addresses.list().catch(() => undefined);
    if (interfaces) {
      const held = heldAddresses(interfaces);
      const undoing = new Set(addressItems.map((i) => addressId(i.owned)));
      owned = {
        ...owned,
        addresses: owned.addresses.filter((a) => !undoing.has(addressId(a)) || held.has(addressId(a))),
        links: owned.links.filter((l) => !linkItems.some((i) => i.device === l) || interfaces.some((i) => i.name === l && i.up)),
      };
    }
    await persist(owned).catch(() => undefined);
    return { owned, error: errorMessage(e) };
  }
}
