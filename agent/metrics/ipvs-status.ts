// The director's Status and Connections sources over the real kernel: the two listings the
// metrics read (`ipvsadm -Ln --exact` and `--stats --exact`), joined per service and
// destination, each service marked managed or not from the ownership record; and
// `ipvsadm -Lcn` for the connection table.
import { SCHEDULERS, SCHEDULER_FLAGS, serviceKeyString, destinationKeyString, type Persistence, type Scheduler, type SchedulerFlag, type ServiceKey, type VirtualService } from '../../lvs/model';
import type { ServiceCounters, StatusSource } from '../../lvs/status';
import type { ConnectionsSource } from '../server/connections-call';
import type { IpvsTables } from './agent-metrics';
import { parseIpvsConnections } from '../../lvs/formats/ipvs-connections';
import type { ReadTool } from './ipvs-reader';
import type { ServiceListing } from '../../lvs/formats/ipvs-stats';

/**
 * The service settings as `ipvsadm -Ln` prints them after the address ("rr", "sh (sh-port)",
 * "wlc persistent 360 mask 255.255.255.0", "rr persistent 600 ops") → the VirtualService.
 */
export function virtualServiceOfListing(key: ServiceKey, settings: string): VirtualService {
  const words = settings.trim().split(/\s+/).filter((w) => w !== '');
  const scheduler = words[0];
  if (!(SCHEDULERS as readonly string[]).includes(scheduler)) {
    throw new Error(`ipvsadm -Ln: service ${serviceKeyString(key)} has scheduler "${scheduler ?? ''}", which lvsctl does not know`);
  }
  const flags: SchedulerFlag[] = [];
  let persistence: Persistence | undefined;
  for (let i = 1; i < words.length; i += 1) {
    const w = words[i];
    if (w.startsWith('(')) {
      for (const f of w.replace(/[()]/g, '').split(',')) {
        if ((SCHEDULER_FLAGS as readonly string[]).includes(f)) flags.push(f as SchedulerFlag);
      }
    } else if (w === 'persistent') {
      persistence = { timeout: Number(words[i + 1]) };
      i += 1;
    } else if (w === 'mask' && persistence) {
      persistence = { ...persistence, netmask: words[i + 1] };
      i += 1;
    }
  }
  return { key, scheduler: scheduler as Scheduler, flags, ...(persistence ? { persistence } : {}) };
}

/** The listings joined into the Status reply's rows; `owned` says which services lvsctl manages. */
export function statusOfTables(tables: IpvsTables, owned: readonly ServiceKey[]): ServiceCounters[] {
  const ownedIds = new Set(owned.map(serviceKeyString));
  const statsOf = new Map(tables.stats.map((s) => [serviceKeyString(s.key), s]));
  return tables.list.map((s: ServiceListing) => {
    const id = serviceKeyString(s.key);
    const stats = statsOf.get(id);
    const destStats = new Map((stats?.destinations ?? []).map((d) => [destinationKeyString(d), d.counters]));
    return {
      service: virtualServiceOfListing(s.key, s.settings),
      managed: ownedIds.has(id),
      ...(stats ? { stats: stats.counters } : {}),
      destinations: s.destinations.map((d) => {
        const counters = destStats.get(destinationKeyString(d));
        return {
          destination: { address: d.address, port: d.port, weight: d.weight, forwarding: d.forwarding },
          activeConnections: d.activeConnections,
          inactiveConnections: d.inactiveConnections,
          ...(counters ? { stats: counters } : {}),
        };
      }),
    };
  });
}

export function ipvsStatusSource(readTables: () => Promise<IpvsTables>, readOwned: () => Promise<readonly ServiceKey[]>): StatusSource {
  return {
    async read() {
      const [tables, owned] = await Promise.all([readTables(), readOwned()]);
      return statusOfTables(tables, owned);
    },
  };
}

export function ipvsConnectionsSource(run: ReadTool, options: { ipvsadm?: string; timeoutMs?: number } = {}): ConnectionsSource {
  return {
    async read() {
      const { stdout } = await run(options.ipvsadm ?? 'ipvsadm', ['-L', '-c', '-n'], { timeoutMs: options.timeoutMs ?? 30_000 });
      return parseIpvsConnections(stdout);
    },
  };
}
