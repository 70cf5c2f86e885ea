// After a failed apply the director's preconditions are checked afresh at the next one: the
// failure may be a precondition that stopped holding (IPVS unloaded, ipvsadm removed).
import type { HostApplier } from '../../lvs/apply-events';
import type { CachedPreconditions } from '../kernel/cached-preconditions';

export function recheckPreconditionsOnFailure(applier: HostApplier, preconditions: Pick<CachedPreconditions, 'forget'>): HostApplier {
  return {
    async apply(plan, mode, emit, received) {
      const result = await applier.apply(plan, mode, emit, received);
      if (result.outcome === 'failed') preconditions.forget();
      return result;
    },
  };
}
