// The director's Status source: the table as the one IPVS door lists it, each service
// marked managed or not from the ownership record.
import { serviceKeyString, type ServiceKey } from '../../lvs/model';
import type { ListedService } from '../../lvs/ipvs-reading';
import type { ServiceCounters, StatusSource } from '../../lvs/status';
import type { Ipvs } from '../kernel/ipvs';

/** The listing as the Status reply's rows; `owned` says which services lvsctl manages. */
export function statusOfListing(listing: readonly ListedService[], owned: readonly ServiceKey[]): ServiceCounters[] {
  const ownedIds = new Set(owned.map(serviceKeyString));
  return listing.map((s) => ({ ...s, managed: ownedIds.has(serviceKeyString(s.service.key)) }));
}

export function ipvsStatusSource(ipvs: Pick<Ipvs, 'list'>, readOwned: () => Promise<readonly ServiceKey[]>): StatusSource {
  return {
    async read() {
      const [listing, owned] = await Promise.all([ipvs.list(), readOwned()]);
      return statusOfListing(listing, owned);
    },
  };
}
