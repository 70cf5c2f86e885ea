// The lvsctl_ipvs_* families in the Prometheus text format, written from one listing of the
// table. Eight series per destination: a 2,000 x 10 table is 18 MB of text, which prom-client
// (a Gauge per family, labels hashed per series, one string per family) made in one go,
// holding the event loop 1.3 s. Written here as a pausable computation (lvs/yield-point.ts).
import type { IpvsCounters, ListedDestination, ListedService } from '../../lvs/ipvs-reading';
import { destinationKeyString, serviceKeyString } from '../../lvs/model';
import type { Pausable } from '../../lvs/yield-point';
import { ChunkWriter, escapeLabelValue, header } from './exposition-writer';

interface Family<Row> {
  name: string;
  type: 'counter' | 'gauge';
  help: string;
  value(row: Row): number | undefined;
}

const COUNTER_FIELDS: { field: keyof IpvsCounters; name: string; help: string }[] = [
  { field: 'connections', name: 'connections', help: 'connections scheduled' },
  { field: 'inPackets', name: 'incoming_packets', help: 'packets from clients' },
  { field: 'outPackets', name: 'outgoing_packets', help: 'packets to clients (0 for DR and TUN: replies bypass the director)' },
  { field: 'inBytes', name: 'incoming_bytes', help: 'bytes from clients' },
  { field: 'outBytes', name: 'outgoing_bytes', help: 'bytes to clients (0 for DR and TUN)' },
];

const SERVICE_FAMILIES: Family<ListedService>[] = COUNTER_FIELDS.map(({ field, name, help }) => ({
  name: `lvsctl_ipvs_service_${name}_total`,
  type: 'counter',
  help: `${help} by a virtual service, as the kernel counts it`,
  value: (s) => s.stats?.[field],
}));

const REALSERVER_FAMILIES: Family<ListedDestination>[] = [
  ...COUNTER_FIELDS.map(({ field, name, help }): Family<ListedDestination> => ({
    name: `lvsctl_ipvs_realserver_${name}_total`,
    type: 'counter',
    help: `${help} by a realserver of a virtual service, as the kernel counts it`,
    value: (d) => d.stats?.[field],
  })),
  { name: 'lvsctl_ipvs_realserver_active_connections', type: 'gauge', help: 'established connections (ActiveConn)', value: (d) => d.activeConnections },
  { name: 'lvsctl_ipvs_realserver_inactive_connections', type: 'gauge', help: 'connections in any other state (InActConn)', value: (d) => d.inactiveConnections },
  { name: 'lvsctl_ipvs_realserver_weight', type: 'gauge', help: 'the weight in the kernel; 0 = quiesced', value: (d) => d.destination.weight },
];

/** The names of every family written here (docs/health.md lists them). */
export const IPVS_FAMILY_NAMES: readonly string[] = ['lvsctl_ipvs_up', ...SERVICE_FAMILIES.map((f) => f.name), ...REALSERVER_FAMILIES.map((f) => f.name)];

/**
 * The lvsctl_ipvs_* families of `listing`, or, when the table could not be read (undefined),
 * lvsctl_ipvs_up 0 and no other series. Each family is headed by its HELP and TYPE lines and
 * followed by a blank line, as prom-client writes the rest of the page. Yields after each
 * service of each family, for runSliced.
 */
export function* ipvsExposition(listing: readonly ListedService[] | undefined): Pausable<Buffer[]> {
  const out = new ChunkWriter();
  header(out, 'lvsctl_ipvs_up', 'gauge', '1 when the last read of the IPVS table succeeded, else 0');
  out.line(`lvsctl_ipvs_up ${listing ? 1 : 0}`);
  out.line('');
  const services = listing ?? [];
  // the label text of each service and destination, made once for all thirteen families
  const serviceLabels = services.map((s) => `service="${escapeLabelValue(serviceKeyString(s.service.key))}"`);
  const destinationLabels: string[][] = [];
  for (const [i, s] of services.entries()) {
    destinationLabels.push(s.destinations.map((d) => `{${serviceLabels[i]},realserver="${escapeLabelValue(destinationKeyString(d.destination))}"}`));
    yield;
  }
  for (const family of SERVICE_FAMILIES) {
    header(out, family.name, family.type, family.help);
    for (const [i, s] of services.entries()) {
      const value = family.value(s);
      if (value !== undefined) out.line(`${family.name}{${serviceLabels[i]}} ${value}`);
      yield;
    }
    out.line('');
  }
  for (const family of REALSERVER_FAMILIES) {
    header(out, family.name, family.type, family.help);
    for (const [i, s] of services.entries()) {
      const labels = destinationLabels[i];
      for (const [j, d] of s.destinations.entries()) {
        const value = family.value(d);
        if (value !== undefined) out.line(`${family.name}${labels[j]} ${value}`);
      }
      yield;
    }
    out.line('');
  }
  out.flush();
  return out.chunks;
}
