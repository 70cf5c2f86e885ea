// A table in one order (services by key, destinations by address:port, flags sorted), so two
// reads of the same kernel compare equal whatever order each backend lists them in.
import { destinationKeyString, serviceKeyString, type IpvsService } from '../../../lvs/model';

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function canonicalTable(services: readonly IpvsService[]): IpvsService[] {
  return services
    .map((s) => ({
      service: { ...s.service, flags: [...s.service.flags].sort() },
      destinations: [...s.destinations].map((d) => ({ ...d })).sort((a, b) => byText(destinationKeyString(a), destinationKeyString(b))),
    }))
    .sort((a, b) => byText(serviceKeyString(a.service.key), serviceKeyString(b.service.key)));
}
