// Parsers for the two human-readable listings ipvsadm has no machine format for:
// `ipvsadm -Ln --stats --exact` (cumulative counters) and `ipvsadm -Ln --exact`
// (weights, active and inactive connections). Layout as ipvsadm prints it (print_title and
// print_service_entry in ipvsadm.c): a version line, two header lines, then per service one
// line "TCP  10.0.0.100:80 …" / "UDP  …" / "FWM  1 …" ("FWM  1 IPv6" for an inet6 mark)
// followed by its "  -> ADDR:PORT …" destination lines. Numbers are whitespace separated
// (each is right-aligned in a field wider than itself); without --exact they may carry a
// K/M/G/T suffix, which is read as the rounded value it stands for.
import type { IpvsCounters, ListedService } from '../ipvs-reading';
import {
  SCHEDULERS, SCHEDULER_FLAGS, destinationKeyString, serviceKeyString,
  type Forwarding, type Persistence, type Scheduler as IpvsScheduler, type SchedulerFlag, type ServiceKey, type VirtualService,
} from '../model';

export interface DestinationStats {
  address: string;
  port: number;
  counters: IpvsCounters;
}

export interface ServiceStats {
  key: ServiceKey;
  counters: IpvsCounters;
  destinations: DestinationStats[];
}

export interface DestinationListing {
  address: string;
  port: number;
  /** "Route" (and "Local") → dr, "Masq" → nat, "Tunnel" → tun */
  forwarding: Forwarding;
  weight: number;
  activeConnections: number;
  inactiveConnections: number;
}

export interface ServiceListing {
  key: ServiceKey;
  /** the rest of the service line, as printed: scheduler, persistence, flags */
  settings: string;
  destinations: DestinationListing[];
}

/** Output that is not what ipvsadm prints; says which line and what was expected. */
export class IpvsOutputError extends Error {
  constructor(readonly command: string, readonly lineNumber: number, line: string, expected: string) {
    super(`${command} output, line ${lineNumber}: expected ${expected}, got "${line.trim()}"`);
    this.name = 'IpvsOutputError';
  }
}

const STATS_COMMAND = 'ipvsadm -Ln --stats --exact';
const LIST_COMMAND = 'ipvsadm -Ln --exact';

export function parseIpvsStats(text: string): ServiceStats[] {
  const services: ServiceStats[] = [];
  forEachEntry(text, STATS_COMMAND, {
    service: (words, fail) => {
      const parsed = serviceKeyOf(words, fail);
      if (parsed) services.push({ key: parsed.key, counters: countersOf(parsed.rest, fail), destinations: [] });
      return parsed !== undefined;
    },
    destination: (words, fail) => {
      const current = services.at(-1);
      if (!current) return fail('a service line before its first "->" line');
      const { address, port } = addressPortOf(words[0], fail);
      current.destinations.push({ address, port, counters: countersOf(words.slice(1), fail) });
    },
  });
  return services;
}

export function parseIpvsList(text: string): ServiceListing[] {
  const services: ServiceListing[] = [];
  forEachEntry(text, LIST_COMMAND, {
    service: (words, fail) => {
      const parsed = serviceKeyOf(words, fail);
      if (parsed) services.push({ key: parsed.key, settings: parsed.rest.join(' '), destinations: [] });
      return parsed !== undefined;
    },
    destination: (words, fail) => {
      const current = services.at(-1);
      if (!current) return fail('a service line before its first "->" line');
      if (words.length !== 5) return fail('"-> ADDR:PORT Forward Weight ActiveConn InActConn"');
      const { address, port } = addressPortOf(words[0], fail);
      const [weight, activeConnections, inactiveConnections] = words.slice(2).map((w) => numberOf(w, fail));
      current.destinations.push({ address, port, forwarding: forwardingOf(words[1], fail), weight, activeConnections, inactiveConnections });
    },
  });
  return services;
}

type Fail = (expected: string) => never;

interface EntryHandlers {
  /** false when the service is of a kind lvsctl does not model (SCTP): it and its destinations are skipped */
  service(words: string[], fail: Fail): boolean;
  destination(words: string[], fail: Fail): void;
}

function forEachEntry(text: string, command: string, handlers: EntryHandlers): void {
  let skipping = false;
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    const fail: Fail = (expected) => { throw new IpvsOutputError(command, index + 1, line, expected); };
    const trimmed = line.trim();
    if (trimmed === '' || isHeader(trimmed)) return;
    const words = trimmed.split(/\s+/);
    if (words[0] === '->') {
      if (!skipping) handlers.destination(words.slice(1), fail);
      return;
    }
    skipping = !handlers.service(words, fail);
  });
}

function isHeader(line: string): boolean {
  return line.startsWith('IP Virtual Server version') || line.startsWith('Prot LocalAddress') || line.startsWith('-> RemoteAddress');
}

function serviceKeyOf(words: string[], fail: Fail): { key: ServiceKey; rest: string[] } | undefined {
  const [proto, where] = words;
  if (proto === 'FWM') {
    const mark = numberOf(where ?? '', fail);
    const inet6 = words[2] === 'IPv6';
    return { key: { kind: 'fwmark', mark, family: inet6 ? 'inet6' : 'inet' }, rest: words.slice(inet6 ? 3 : 2) };
  }
  if (proto === 'TCP' || proto === 'UDP') {
    const { address, port } = addressPortOf(where ?? '', fail);
    return { key: { kind: proto === 'TCP' ? 'tcp' : 'udp', vip: address, port }, rest: words.slice(2) };
  }
  // A service lvsctl cannot manage must not make the whole table unreadable.
  if (proto === 'SCTP') return undefined;
  return fail('a service line starting with TCP, UDP, SCTP or FWM');
}

function addressPortOf(text: string, fail: Fail): { address: string; port: number } {
  const m = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(text) ?? /^([0-9.]+):(\d+)$/.exec(text);
  if (!m) return fail(`a numeric ADDRESS:PORT (run ipvsadm with -n), not "${text}"`);
  return { address: m[1], port: Number(m[2]) };
}

function countersOf(words: string[], fail: Fail): IpvsCounters {
  if (words.length !== 5) return fail('five counters: Conns InPkts OutPkts InBytes OutBytes');
  const [connections, inPackets, outPackets, inBytes, outBytes] = words.map((w) => numberOf(w, fail));
  return { connections, inPackets, outPackets, inBytes, outBytes };
}

const SUFFIX: Record<string, number> = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };

function numberOf(word: string, fail: Fail): number {
  const m = /^(\d+)([KMGT]?)$/.exec(word);
  if (!m) return fail(`a number, not "${word}"`);
  return Number(m[1]) * SUFFIX[m[2]];
}

function forwardingOf(word: string, fail: Fail): Forwarding {
  switch (word) {
    case 'Route':
    case 'Local':
      return 'dr';
    case 'Masq':
      return 'nat';
    case 'Tunnel':
      return 'tun';
    default:
      return fail(`a forwarding method (Route, Masq, Tunnel, Local), not "${word}"`);
  }
}

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
  return { key, scheduler: scheduler as IpvsScheduler, flags, ...(persistence ? { persistence } : {}) };
}

/** The two listings (`-Ln --exact` and `-Ln --stats --exact`) joined per service and destination. */
export function joinIpvsListings(list: readonly ServiceListing[], stats: readonly ServiceStats[]): ListedService[] {
  const statsOf = new Map(stats.map((s) => [serviceKeyString(s.key), s]));
  return list.map((s) => {
    const serviceStats = statsOf.get(serviceKeyString(s.key));
    const destinationStats = new Map((serviceStats?.destinations ?? []).map((d) => [destinationKeyString(d), d.counters]));
    return {
      service: virtualServiceOfListing(s.key, s.settings),
      ...(serviceStats ? { stats: serviceStats.counters } : {}),
      destinations: s.destinations.map((d) => {
        const counters = destinationStats.get(destinationKeyString(d));
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
