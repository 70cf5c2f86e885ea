// The benchmark's IPVS table, generated, and the same table in each tool's words: an lvsctl
// plan, an `ipvsadm -R` batch and a keepalived configuration. Pure functions: the guest, the
// host and the unit checks all build the table from the same few numbers.
//
// The table: S NAT services (tcp VIP:80, wlc), each with D destinations. The destinations
// of a service are one realserver host at ports 8001..800D: every destination is its own
// IPVS entry (address and port), so the kernel holds S×D of them exactly as with D
// realserver hosts, while the guest runs one realserver agent instead of D (each node
// process costs seconds to start in the UML guest, docs/lab.md). A realserver host serves
// at most 10,000 services, so a 20,000-service table has two realserver agents verifying
// beside the director (an agent takes up to 20,000 duties): services 1..10,000 go to web1
// (10.0.0.11), the next 10,000 to web2 (10.0.0.12), and so on.

export interface BenchTableSpec {
  services: number;
  destinations: number;
}

export interface BenchDestination {
  port: number;
  weight: number;
}

export interface BenchService {
  name: string;
  vip: string;
  port: number;
  /** the realserver host of every destination */
  realserver: BenchHost;
  destinations: BenchDestination[];
}

export const DIRECTOR = { name: 'lvs1', address: '10.0.0.1' } as const;
/** The most services one realserver host is in: lvsctl's limit of duties in a realserver plan. */
export const SERVICES_PER_REALSERVER = 10_000;

export interface BenchHost {
  name: string;
  address: string;
}

/** Realserver host k (0-based): web1 at 10.0.0.11, web2 at 10.0.0.12, … */
export function realserverHost(k: number): BenchHost {
  if (k < 0 || k > 88) throw new Error(`realserver ${k}: out of addresses`);
  return { name: `web${k + 1}`, address: `10.0.0.${11 + k}` };
}

/** The realserver hosts a table of `services` services needs. */
export function realserverHosts(services: number): BenchHost[] {
  return Array.from({ length: Math.ceil(services / SERVICES_PER_REALSERVER) }, (_, k) => realserverHost(k));
}
export const SERVICE_PORT = 80;
export const FIRST_REALSERVER_PORT = 8001;
export const SCHEDULER = 'wlc';
/** Services per /24 of VIPs: .1 .. .250, never a .0 or .255. */
const VIPS_PER_NET = 250;

/** The VIP of service i (0-based): 10.100.0.1, 10.100.0.2, … 10.100.0.250, 10.100.1.1, … */
export function vipOf(i: number, firstOctet2 = 100): string {
  const net = Math.floor(i / VIPS_PER_NET);
  const second = firstOctet2 + Math.floor(net / 256);
  if (second > 255) throw new Error(`service ${i}: out of VIPs (10.${second}.x.y)`);
  return `10.${second}.${net % 256}.${(i % VIPS_PER_NET) + 1}`;
}

export function benchTable(spec: BenchTableSpec): BenchService[] {
  if (!Number.isInteger(spec.services) || spec.services < 1) throw new Error(`services must be a positive integer, got ${spec.services}`);
  if (!Number.isInteger(spec.destinations) || spec.destinations < 1 || spec.destinations > 999) {
    throw new Error(`destinations must be 1..999, got ${spec.destinations}`);
  }
  const services: BenchService[] = [];
  for (let i = 0; i < spec.services; i += 1) {
    const destinations: BenchDestination[] = [];
    for (let j = 0; j < spec.destinations; j += 1) destinations.push({ port: FIRST_REALSERVER_PORT + j, weight: j + 1 });
    services.push({ name: `s${i + 1}`, vip: vipOf(i), port: SERVICE_PORT, realserver: realserverHost(Math.floor(i / SERVICES_PER_REALSERVER)), destinations });
  }
  return services;
}

/** Which destination the "one weight changed" figure changes: the middle service, its middle destination. */
export function changedDestination(table: readonly BenchService[]): { service: number; destination: number } {
  const service = Math.floor(table.length / 2);
  const destination = Math.floor((table[service]?.destinations.length ?? 1) / 2);
  return { service, destination };
}

/** The table with that one weight multiplied by 10 (a copy). */
export function withOneWeightChanged(table: readonly BenchService[]): BenchService[] {
  const { service, destination } = changedDestination(table);
  return table.map((s, i) =>
    i !== service ? s : { ...s, destinations: s.destinations.map((d, j) => (j === destination ? { ...d, weight: d.weight * 10 } : d)) },
  );
}

/** The changed destination as /proc/net/ip_vs and ipvsadm name it, and its new weight. */
export function changedEntry(table: readonly BenchService[]): { vip: string; port: number; rsAddress: string; rsPort: number; weight: number } {
  const { service, destination } = changedDestination(table);
  const s = table[service];
  const d = s?.destinations[destination];
  if (s === undefined || d === undefined) throw new Error('empty table');
  return { vip: s.vip, port: s.port, rsAddress: s.realserver.address, rsPort: d.port, weight: d.weight };
}

/** The lvsctl plan (compact JSON: 20,000 × 10 must stay under the 10 MiB a plan may be). */
export function planJson(table: readonly BenchService[], cluster = 'bench'): string {
  const plan = {
    apiVersion: 'lvsctl/v1',
    cluster,
    hosts: {
      [DIRECTOR.name]: { role: 'director', address: DIRECTOR.address },
      ...Object.fromEntries(realserverHosts(table.length).map((h) => [h.name, { role: 'realserver', address: h.address }])),
    },
    services: table.map((s) => ({
      name: s.name,
      vip: s.vip,
      port: s.port,
      scheduler: SCHEDULER,
      forwarding: 'nat',
      realservers: s.destinations.map((d) => ({ host: s.realserver.name, port: d.port, weight: d.weight })),
    })),
  };
  return `${JSON.stringify(plan)}\n`;
}

/** The same table as an `ipvsadm -R` batch (what `ipvsadm -S -n` would print of it). */
export function ipvsadmRestore(table: readonly BenchService[]): string {
  const lines: string[] = [];
  for (const s of table) {
    lines.push(`-A -t ${s.vip}:${s.port} -s ${SCHEDULER}`);
    for (const d of s.destinations) lines.push(`-a -t ${s.vip}:${s.port} -r ${s.realserver.address}:${d.port} -m -w ${d.weight}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The same table as keepalived.conf: one virtual_server per service, one real_server per
 * destination, no checker (keepalived then takes every real server as up and adds it at once).
 */
export function keepalivedConf(table: readonly BenchService[]): string {
  const out: string[] = ['global_defs {', '  router_id lvsctl-bench', '}', ''];
  for (const s of table) {
    out.push(`virtual_server ${s.vip} ${s.port} {`, `  lb_algo ${SCHEDULER}`, '  lb_kind NAT', '  protocol TCP');
    for (const d of s.destinations) out.push(`  real_server ${s.realserver.address} ${d.port} {`, `    weight ${d.weight}`, '  }');
    out.push('}');
  }
  return `${out.join('\n')}\n`;
}

/** How many services and destinations a /proc/net/ip_vs text lists. */
export function countProcIpvs(text: string): { services: number; destinations: number } {
  let services = 0;
  let destinations = 0;
  for (const line of text.split('\n')) {
    if (/^(TCP|UDP|FWM|SCTP)\s/.test(line)) services += 1;
    else if (line.startsWith('  -> ') && !line.startsWith('  -> RemoteAddress')) destinations += 1;
  }
  return { services, destinations };
}

/** /proc/net/ip_vs writes addresses as hex: 10.0.0.11 → 0A00000B. */
export function procHexAddress(ipv4: string): string {
  return ipv4.split('.').map((o) => Number(o).toString(16).toUpperCase().padStart(2, '0')).join('');
}

/** The weight /proc/net/ip_vs shows for one destination of one service, or undefined. */
export function procWeight(text: string, vip: string, port: number, rsAddress: string, rsPort: number): number | undefined {
  const service = `TCP  ${procHexAddress(vip)}:${port.toString(16).toUpperCase().padStart(4, '0')} `;
  const dest = `  -> ${procHexAddress(rsAddress)}:${rsPort.toString(16).toUpperCase().padStart(4, '0')} `;
  const at = text.indexOf(service);
  if (at < 0) return undefined;
  const lines = text.slice(at).split('\n');
  for (const line of lines.slice(1)) {
    if (!line.startsWith('  -> ')) break;
    if (line.startsWith(dest)) {
      const fields = line.trim().split(/\s+/);
      return Number(fields[3]);
    }
  }
  return undefined;
}
