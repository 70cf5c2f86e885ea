// Ownership that survives the agent's death in the middle of an apply. The batch is not
// atomic and the agent may be killed during it (SIGKILL, the OOM killer, a power cut) with
// part of it in the kernel; the ownership file, written only after success, would then not
// name the services it had added, and the next apply would take them for someone else's
// (unmanaged, left alone for ever, or adopted). So before the batch the agent claims, in the
// ownership file, every service this apply will own if it succeeds: what it owned already and
// every planned service. Success then writes what it owns; a failure that was rolled back
// puts the previous file back; a rollback that failed keeps the claim (the kernel may hold them).
// A claimed service that never made it into the kernel costs nothing: only services in the
// kernel are ever deleted.
import { serviceKeyString, type ServiceKey } from '../../lvs/model';
import { writeOwnership, type DirectorOwnership } from '../state/ownership';

export interface OwnershipClaim {
  /** Puts the ownership file back as it was before the claim (nothing to do when nothing was claimed). */
  release(): Promise<void>;
}

/** Records `planned` as owned, with what `ownership` (as read for this apply) already owns; writes only when that adds a service. */
export async function claimPlannedServices(stateDir: string, ownership: DirectorOwnership, planned: readonly ServiceKey[]): Promise<OwnershipClaim> {
  const owned = new Set(ownership.services.map(serviceKeyString));
  const added = planned.filter((key) => !owned.has(serviceKeyString(key)));
  if (added.length === 0) return { release: async () => undefined };
  await writeOwnership(stateDir, { ...ownership, services: [...ownership.services, ...added] });
  return { release: () => writeOwnership(stateDir, ownership) };
}
