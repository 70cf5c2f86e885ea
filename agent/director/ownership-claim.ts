// Ownership that survives the agent's death in the middle of an apply. The batch is not
// atomic and the agent may be killed during it (SIGKILL, the OOM killer, a power cut) with
// part of it in the kernel; the ownership file, written only after success, would then not
// name the services it had added, and the next apply would take them for someone else's
// (unmanaged, left alone for ever, or adopted). So before the batch the agent claims, in the
// ownership file, every service this apply will own if it succeeds: what it owned already and
// every planned service it may create (one already in the kernel, made by hand and adopted by
// the plan, is owned only once the apply succeeded: the caller leaves it out). Success then writes what it owns; a failure that was rolled back
// puts the previous file back; a rollback that failed keeps the claim (the kernel may hold them).
// A claimed service that never made it into the kernel costs nothing: only services in the
// kernel are ever deleted.
import { serviceKeyString, type ServiceKey } from '../../lvs/model';
import { writeOwnership, type DirectorOwnership } from '../state/ownership';

export interface OwnershipClaim {
  /** the file was written: it names services it did not before */
  claimed: boolean;
  /** Puts the ownership file back as it was before the claim (nothing to do when nothing was claimed). */
  release(): Promise<void>;
  /** Keeps the claim but for these services (made by someone else meanwhile: never this apply's to own). */
  narrow(keys: readonly ServiceKey[]): Promise<void>;
}

/** Nothing claimed: nothing to put back or narrow. */
export const NO_CLAIM: OwnershipClaim = { claimed: false, release: async () => undefined, narrow: async () => undefined };

/**
 * Records the planned services `ownership` (as read for this apply) does not own yet
 * (`notOwned`, the diff's reconcileIpvs found them) as owned too; writes nothing when there are none.
 */
export async function claimPlannedServices(stateDir: string, ownership: DirectorOwnership, notOwned: readonly ServiceKey[]): Promise<OwnershipClaim> {
  if (notOwned.length === 0) return NO_CLAIM;
  await writeOwnership(stateDir, { ...ownership, services: [...ownership.services, ...notOwned] });
  return {
    claimed: true,
    release: () => writeOwnership(stateDir, ownership),
    narrow: (keys) => {
      const gone = new Set(keys.map(serviceKeyString));
      // only what this claim added: a service owned before the apply stays owned
      return writeOwnership(stateDir, { ...ownership, services: [...ownership.services, ...notOwned.filter((k) => !gone.has(serviceKeyString(k)))] });
    },
  };
}
