// A director's live table (server/status-source.ts) → the StatusReply message.
import type { ServiceCounters } from '../server/status-source';
import type { StatusReply } from '../../proto/generated/lvsctl/v1/StatusReply';
import { destinationToWire, virtualServiceToWire } from './host-plan-encode';

export function statusReplyToWire(host: string, services: ServiceCounters[]): StatusReply {
  return {
    host,
    services: services.map((s) => ({
      service: virtualServiceToWire(s.service),
      managed: s.managed,
      destinations: s.destinations.map((d) => ({
        destination: destinationToWire(d.destination),
        activeConnections: String(d.activeConnections),
        inactiveConnections: String(d.inactiveConnections),
      })),
    })),
  };
}
