// A director's live table (lvs/status.ts) ↔ the StatusReply message: the agent
// encodes, the controller decodes (bounded and checked like everything that arrives).
import type { VrrpStatus } from '../vrrp';
import { vrrpStatusFromWire, vrrpStatusToWire } from './vrrp-codec';
import type { ServiceCounters } from '../status';
import type { IpvsCounters } from '../ipvs-reading';
import type { StatusReply, StatusReply__Output } from '../../proto/generated/lvsctl/v1/StatusReply';
import type { Counters, Counters__Output } from '../../proto/generated/lvsctl/v1/Counters';
import type { DestinationStatus__Output } from '../../proto/generated/lvsctl/v1/DestinationStatus';
import type { ServiceStatus__Output } from '../../proto/generated/lvsctl/v1/ServiceStatus';
import { at, bool, boundedList, boundedString, present, safeIntegerFromString, type FieldPath } from './checks';
import { destination, virtualService } from './host-plan-decode';
import { destinationToWire, virtualServiceToWire } from './host-plan-encode';
import { LIMITS } from './limits';

function countersToWire(c: IpvsCounters): Counters {
  return {
    connections: String(c.connections), inPackets: String(c.inPackets), outPackets: String(c.outPackets),
    inBytes: String(c.inBytes), outBytes: String(c.outBytes),
  };
}

export function statusReplyToWire(host: string, services: ServiceCounters[], vrrp?: VrrpStatus): StatusReply {
  return {
    host,
    ...(vrrp ? { vrrp: vrrpStatusToWire(vrrp) } : {}),
    services: services.map((s) => ({
      service: virtualServiceToWire(s.service),
      managed: s.managed,
      ...(s.stats ? { stats: countersToWire(s.stats) } : {}),
      destinations: s.destinations.map((d) => ({
        destination: destinationToWire(d.destination),
        activeConnections: String(d.activeConnections),
        inactiveConnections: String(d.inactiveConnections),
        ...(d.stats ? { stats: countersToWire(d.stats) } : {}),
      })),
    })),
  };
}

function countersFromWire(w: Counters__Output | null, path: FieldPath): IpvsCounters | undefined {
  if (!w) return undefined;
  const n = (value: unknown, field: string): number => safeIntegerFromString(value, at(path, field));
  return {
    connections: n(w.connections, 'connections'), inPackets: n(w.inPackets, 'inPackets'), outPackets: n(w.outPackets, 'outPackets'),
    inBytes: n(w.inBytes, 'inBytes'), outBytes: n(w.outBytes, 'outBytes'),
  };
}

export interface DirectorStatus {
  host: string;
  services: ServiceCounters[];
  /** absent: not in a director group */
  vrrp?: VrrpStatus;
}

export function statusReplyFromWire(w: StatusReply__Output): DirectorStatus {
  return {
    host: boundedString(w.host, 'host', { max: LIMITS.hostName }),
    services: boundedList(w.services, 'services', LIMITS.services).map((raw, i) => {
      const s = raw as ServiceStatus__Output;
      const path = at('services', i);
      const stats = countersFromWire(s.stats, at(path, 'stats'));
      return {
        service: virtualService(present(s.service, at(path, 'service'), 'the virtual service'), at(path, 'service')),
        managed: bool(s.managed, at(path, 'managed')),
        ...(stats ? { stats } : {}),
        destinations: boundedList(s.destinations, at(path, 'destinations'), LIMITS.destinationsPerService).map((rawD, j) => {
          const d = rawD as DestinationStatus__Output;
          const dPath = at(at(path, 'destinations'), j);
          const dStats = countersFromWire(d.stats, at(dPath, 'stats'));
          return {
            destination: destination(present(d.destination, at(dPath, 'destination'), 'the destination'), at(dPath, 'destination')),
            activeConnections: safeIntegerFromString(d.activeConnections, at(dPath, 'activeConnections')),
            inactiveConnections: safeIntegerFromString(d.inactiveConnections, at(dPath, 'inactiveConnections')),
            ...(dStats ? { stats: dStats } : {}),
          };
        }),
      };
    }),
    ...(w.vrrp ? { vrrp: vrrpStatusFromWire(w.vrrp) } : {}),
  };
}
