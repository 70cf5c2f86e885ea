// The health monitor's WeightControl: every weight change of one decision goes to the IPVS
// table as one batch of edit-destination operations (edit in place: connections and
// templates survive), through the one writer, so it never lands inside an apply.
import type { WeightChange, WeightControl } from '../../lvs/health/types';
import { formatAddressPort } from '../../lvs/model';
import type { IpvsOperation } from '../../lvs/operations';
import type { IpvsWriter } from '../kernel/ipvs-writer';

/** One edit-destination operation per change; a weight outside 0..65535 is refused. */
export function weightEdits(changes: readonly WeightChange[]): IpvsOperation[] {
  return changes.map(({ key, destination, previousWeight }) => {
    if (!Number.isInteger(destination.weight) || destination.weight < 0 || destination.weight > 65535) {
      throw new RangeError(`weight of ${formatAddressPort(destination.address, destination.port)} must be 0..65535, got ${destination.weight}`);
    }
    return { op: 'edit-destination', key, destination, before: { ...destination, weight: previousWeight ?? destination.weight } };
  });
}

export function ipvsWeightControl(writer: IpvsWriter): WeightControl {
  return {
    async setWeights(changes) {
      if (changes.length === 0) return;
      const ops = weightEdits(changes);
      await writer.exclusive((table) => table.applyBatch(ops));
    },
  };
}
