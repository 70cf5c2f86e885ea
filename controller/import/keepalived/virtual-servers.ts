// keepalived's virtual_server and virtual_server_group blocks → the IPVS services they
// build (what `ipvsadm -S -n` shows once keepalived runs them) and, per service, its
// health check and sorry server for the plan. Pure. Everything with no lvsctl
// counterpart is reported with its file and line.
import { isIP } from 'node:net';
import { SCHEDULERS, type Forwarding, type IpvsService, type Scheduler, type SchedulerFlag, type ServiceKey } from '../../../lvs/model';
import { CHECKER_KEYWORDS, mapChecker, number, type CheckerDefaults, type ImportedHealthCheck, type NotCarried, notCarriedOf } from './checkers';
import type { Place, Statement } from './syntax';
import { appendAll } from '../../../lvs/append';

export interface ServiceExtras {
  healthCheck?: ImportedHealthCheck;
  sorryServer?: { address: string; port?: number };
}

export interface KeepalivedServices {
  services: IpvsService[];
  /** one per service, same order */
  extras: ServiceExtras[];
  notCarried: NotCarried[];
  /** statements that are fine but worth a word (forwarding defaulted, failures quiesced) */
  notes: string[];
}

/** A statement lvsctl refuses outright (the service could not be built). */
export class KeepalivedImportError extends Error {
  constructor(place: Place, problem: string) {
    super(`${place.file}:${place.line}: ${problem}`);
  }
}

const METHODS: Record<string, Forwarding> = { DR: 'dr', NAT: 'nat', TUN: 'tun' };
const TOP_LEVEL_ELSEWHERE: Record<string, string> = {
  global_defs: 'settings of keepalived itself',
  vrrp_instance: 'VRRP: which director holds the VIPs (write the pair as the plan\'s "directorGroups", docs/ha.md)',
  vrrp_sync_group: 'VRRP', vrrp_script: 'VRRP', vrrp_track_process: 'VRRP', vrrp_track_file: 'VRRP',
  static_ipaddress: 'addresses of the director', static_routes: 'routes of the director', static_rules: 'rules of the director',
  linkbeat_interfaces: 'VRRP', SSL: 'client certificates of SSL_GET (lvsctl presents none)', bfd_instance: 'BFD',
};

/** The vrrp_instance settings a plan's directorGroups entry writes (docs/ha.md): the rest are each reported. */
const VRRP_WRITTEN = new Set([
  'state', 'interface', 'virtual_router_id', 'priority', 'advert_int', 'nopreempt', 'authentication', 'virtual_ipaddress', 'virtual_ipaddress_excluded',
]);
const NOTIFY_WHY = 'lvsctl\'s keepalived.conf runs its own notify script (the state lvsctl status reads): this one no longer runs';
const UNICAST_WHY = 'lvsctl\'s keepalived.conf sends its adverts by multicast (224.0.0.18, ff02::12): where the network drops multicast the backup hears none and takes the addresses too (two masters) once the file is lvsctl\'s; let multicast VRRP through between the directors first, or keep this pair on keepalived\'s own file';
const VRRP_WHY: Record<string, string> = {
  unicast_peer: UNICAST_WHY,
  unicast_src_ip: UNICAST_WHY,
  track_script: 'lvsctl\'s keepalived.conf tracks no script: a failover this script caused no longer happens',
  track_interface: 'lvsctl\'s keepalived.conf tracks only the interfaces of its addresses (keepalived\'s default): a failover on another interface no longer happens',
  track_process: 'lvsctl\'s keepalived.conf tracks no process: a failover on it no longer happens',
  track_file: 'lvsctl\'s keepalived.conf tracks no file: a failover on it no longer happens',
  preempt_delay: 'lvsctl\'s keepalived.conf preempts at once (or never, with "failback": false)',
  notify: NOTIFY_WHY, notify_master: NOTIFY_WHY, notify_backup: NOTIFY_WHY, notify_fault: NOTIFY_WHY, notify_stop: NOTIFY_WHY,
};

/** Each setting of a vrrp_instance block that the plan's directorGroups entry does not write, with what that changes. */
function vrrpNotWritten(instance: Statement): NotCarried[] {
  return (instance.block ?? []).filter((o) => !VRRP_WRITTEN.has(o.keyword)).map((o) =>
    notCarriedOf(o, `vrrp_instance ${instance.args.join(' ')}: ${VRRP_WHY[o.keyword] ?? 'a VRRP setting lvsctl\'s keepalived.conf does not write'}`));
}

function place(s: Place): string {
  return `${s.file}:${s.line}`;
}

function address(text: string | undefined, s: Statement): string {
  if (text === undefined || isIP(text) === 0) throw new KeepalivedImportError(s, `"${text ?? ''}" is not an IPv4 or IPv6 address`);
  return text;
}

function port(text: string | undefined, s: Statement): number {
  const n = Number(text);
  if (text === undefined || !/^\d+$/.test(text) || n > 65535) throw new KeepalivedImportError(s, `"${text ?? ''}" is not a port 0..65535`);
  return n;
}

/** "10.0.0.100-105 80": keepalived's address range in the last octet (last group for IPv6). */
function expandRange(text: string, s: Statement): string[] {
  const m = /^(.*[.:])([0-9a-fA-F]+)-([0-9a-fA-F]+)$/.exec(text);
  if (!m) return [address(text, s)];
  const v6 = m[1].endsWith(':');
  const [from, to] = [parseInt(m[2], v6 ? 16 : 10), parseInt(m[3], v6 ? 16 : 10)];
  if (to < from || to - from > 255) throw new KeepalivedImportError(s, `address range ${text} is not a range of at most 256 addresses`);
  return Array.from({ length: to - from + 1 }, (_, i) => address(`${m[1]}${(from + i).toString(v6 ? 16 : 10)}`, s));
}

/** The service keys a virtual_server_group names. */
function groupMembers(group: Statement, protocol: 'tcp' | 'udp', notCarried: NotCarried[]): ServiceKey[] {
  const keys: ServiceKey[] = [];
  for (const m of group.block ?? []) {
    if (m.keyword === 'fwmark') {
      const mark = number({ ...m, args: m.args }, 1, 2 ** 32 - 1);
      if (mark === undefined) throw new KeepalivedImportError(m, `fwmark "${m.args[0] ?? ''}" is not a mark 1..4294967295`);
      keys.push({ kind: 'fwmark', mark, family: m.args.includes('inet6') ? 'inet6' : 'inet' });
    } else if (m.args.length >= 1) {
      const p = port(m.args[0], m);
      for (const vip of expandRange(m.keyword, m)) keys.push({ kind: protocol, vip, port: p });
    } else {
      notCarried.push({ file: m.file, line: m.line, what: m.keyword, why: 'a group member is "ADDRESS PORT", "ADDRESS-LAST PORT" or "fwmark N"' });
    }
  }
  return keys;
}

function flagOf(keyword: string, scheduler: Scheduler): SchedulerFlag | undefined {
  const family = scheduler === 'mh' ? 'mh' : 'sh';
  switch (keyword) {
    case 'sh-port': case 'mh-port': return keyword;
    case 'sh-fallback': case 'mh-fallback': return keyword;
    case 'flag-1': return `${family}-fallback`;
    case 'flag-2': return `${family}-port`;
    default: return undefined;
  }
}

interface Realserver {
  statement: Statement;
  address: string;
  port: number;
  weight: number;
  forwarding?: Forwarding;
  inhibit: boolean;
  checkers: Statement[];
}

function readRealserver(s: Statement, notCarried: NotCarried[]): Realserver {
  const rs: Realserver = { statement: s, address: address(s.args[0], s), port: s.args[1] === undefined ? 0 : port(s.args[1], s), weight: 1, inhibit: false, checkers: [] };
  for (const o of s.block ?? []) {
    if ((CHECKER_KEYWORDS as readonly string[]).includes(o.keyword)) { rs.checkers.push(o); continue; }
    switch (o.keyword) {
      case 'weight': {
        const w = number(o, 0, 65535);
        if (w === undefined || !Number.isInteger(w)) throw new KeepalivedImportError(o, `weight "${o.args[0] ?? ''}" is not 0..65535`);
        rs.weight = w;
        break;
      }
      case 'inhibit_on_failure': rs.inhibit = true; break;
      case 'lvs_method': case 'lb_kind': {
        const method = METHODS[(o.args[0] ?? '').toUpperCase()];
        if (!method) throw new KeepalivedImportError(o, `forwarding "${o.args[0] ?? ''}" is not DR, NAT or TUN`);
        rs.forwarding = method;
        break;
      }
      case 'uthreshold': case 'lthreshold':
        throw new KeepalivedImportError(o, `${o.keyword}: lvsctl does not manage connection thresholds (ipvsadm -x/-y); remove it to import`);
      default:
        notCarried.push(notCarriedOf(o, 'lvsctl has no such realserver setting'));
    }
  }
  return rs;
}

export function keepalivedServices(config: Statement[]): KeepalivedServices {
  const out: KeepalivedServices = { services: [], extras: [], notCarried: [], notes: [] };
  const groups = new Map<string, Statement>();
  for (const s of config) if (s.keyword === 'virtual_server_group' && s.args[0]) groups.set(s.args[0], s);
  for (const s of config) {
    if (s.keyword === 'virtual_server') readVirtualServer(s, groups, out);
    else if (s.keyword !== 'virtual_server_group') {
      const why = TOP_LEVEL_ELSEWHERE[s.keyword];
      out.notCarried.push(notCarriedOf(s, why ? `not part of the IPVS table: ${why}` : 'not a keepalived block lvsctl knows'));
      if (s.keyword === 'vrrp_instance') appendAll(out.notCarried, vrrpNotWritten(s));
    }
  }
  return out;
}

/** keepalived's IPVS_SVC_PERSISTENT_TIMEOUT: the timeout it gives a service that must be persistent and names none. */
const KEEPALIVED_PERSISTENCE_S = 360;

function readVirtualServer(vs: Statement, groups: Map<string, Statement>, out: KeepalivedServices): void {
  const notCarried = out.notCarried;
  const skip = (s: Statement, why: string): void => { notCarried.push(notCarriedOf(s, why)); };
  let scheduler: Scheduler = 'wlc';
  let forwarding: Forwarding | undefined;
  let protocol: 'tcp' | 'udp' | undefined;
  let persistence: number | undefined;
  let granularity: string | undefined;
  const flagWords: string[] = [];
  const defaults: CheckerDefaults = {};
  let sorry: { address: string; port: number } | undefined;
  const realservers: Realserver[] = [];
  for (const o of vs.block ?? []) {
    switch (o.keyword) {
      case 'lb_algo': case 'lvs_sched': {
        const name = (o.args[0] ?? '').toLowerCase();
        if (!(SCHEDULERS as readonly string[]).includes(name)) throw new KeepalivedImportError(o, `scheduler "${o.args[0] ?? ''}" is not one IPVS has (${SCHEDULERS.join(', ')})`);
        scheduler = name as Scheduler;
        break;
      }
      case 'lb_kind': case 'lvs_method': {
        const method = METHODS[(o.args[0] ?? '').toUpperCase()];
        if (!method) throw new KeepalivedImportError(o, `forwarding "${o.args[0] ?? ''}" is not DR, NAT or TUN`);
        forwarding = method;
        break;
      }
      case 'protocol': {
        const p = (o.args[0] ?? '').toLowerCase();
        if (p !== 'tcp' && p !== 'udp') throw new KeepalivedImportError(o, `protocol "${o.args[0] ?? ''}": lvsctl manages TCP and UDP services`);
        protocol = p;
        break;
      }
      case 'persistence_timeout': {
        // keepalived's pto_handler: the keyword alone means its default
        if (o.args.length === 0) {
          persistence = KEEPALIVED_PERSISTENCE_S;
          out.notes.push(`${place(o)}: persistence_timeout without a value: keepalived's default ${KEEPALIVED_PERSISTENCE_S} s, and so does this plan`);
          break;
        }
        const t = number(o, 1, 31 * 24 * 3600);
        if (t === undefined || !Number.isInteger(t)) throw new KeepalivedImportError(o, `persistence_timeout "${o.args[0] ?? ''}" is not 1..2678400 seconds`);
        persistence = t;
        break;
      }
      case 'persistence_granularity': granularity = o.args[0]; break;
      case 'delay_loop': defaults.delayLoopS = number(o, 0.001, 86400) ?? defaults.delayLoopS; break;
      case 'connect_timeout': defaults.connectTimeoutS = number(o, 0.001, 3600) ?? defaults.connectTimeoutS; break;
      case 'retry': defaults.retry = number(o, 0, 99) ?? defaults.retry; break;
      case 'virtualhost': defaults.virtualhost = o.args[0]; break;
      case 'sorry_server': sorry = { address: address(o.args[0], o), port: o.args[1] === undefined ? 0 : port(o.args[1], o) }; break;
      case 'real_server': realservers.push(readRealserver(o, notCarried)); break;
      case 'hashed': break; // ipvsadm's default hashing: nothing to carry
      case 'sh-port': case 'sh-fallback': case 'mh-port': case 'mh-fallback': case 'flag-1': case 'flag-2': flagWords.push(o.keyword); break;
      case 'ops': throw new KeepalivedImportError(o, 'ops (one-packet scheduling, ipvsadm -o): lvsctl does not manage it; remove it to import');
      case 'persistence_engine': throw new KeepalivedImportError(o, `persistence_engine ${o.args[0] ?? ''} (ipvsadm --pe): lvsctl does not manage persistence engines`);
      case 'inhibit_on_failure': break; // the default of its realservers: lvsctl always quiesces
      default: skip(o, 'not a virtual_server setting lvsctl can carry over');
    }
  }
  // the service keys this block builds
  let keys: ServiceKey[];
  if (vs.args[0] === 'group') {
    const group = groups.get(vs.args[1] ?? '');
    if (!group) throw new KeepalivedImportError(vs, `virtual_server group "${vs.args[1] ?? ''}": no virtual_server_group of that name`);
    keys = groupMembers(group, protocol ?? 'udp', notCarried);
  } else if (vs.args[0] === 'fwmark') {
    const mark = Number(vs.args[1]);
    if (!/^\d+$/.test(vs.args[1] ?? '') || mark < 1 || mark > 2 ** 32 - 1) throw new KeepalivedImportError(vs, `fwmark "${vs.args[1] ?? ''}" is not a mark 1..4294967295`);
    keys = [{ kind: 'fwmark', mark, family: vs.args.includes('inet6') ? 'inet6' : 'inet' }];
  } else {
    keys = [{ kind: protocol ?? 'udp', vip: address(vs.args[0], vs), port: port(vs.args[1], vs) }];
  }
  // keepalived's own default (check_parser.c): an address service without "protocol" is UDP
  if (protocol === undefined && keys.some((k) => k.kind !== 'fwmark')) {
    out.notes.push(`${place(vs)}: virtual_server without "protocol": keepalived makes it UDP, and so does this plan (add "protocol TCP" to keepalived.conf if TCP was meant)`);
  }
  if (forwarding === undefined && realservers.some((rs) => rs.forwarding === undefined)) {
    out.notes.push(`${place(vs)}: virtual_server without lb_kind: keepalived's default NAT is used`);
  }
  const flags = [...new Set(flagWords.map((w) => flagOf(w, scheduler)).filter((f): f is SchedulerFlag => f !== undefined))];
  let netmask = granularity === undefined || granularity === '255.255.255.255' || granularity === '128' ? undefined : granularity;
  if (netmask !== undefined && vs.args[0] === 'group') {
    // measured in the lab: keepalived 2.2.7 gives a group's services no netmask (ipvsadm -S shows none)
    const line = (vs.block ?? []).find((o) => o.keyword === 'persistence_granularity') ?? vs;
    skip(line, 'keepalived (2.2.7, in the lab) does not apply it to the services of a virtual_server group, so neither does this plan: add "persistence": { "netmask": … } by hand if it was meant');
    netmask = undefined;
  }
  // keepalived makes a service persistent for 360 s when nothing sets a timeout but something
  // needs one: persistence_granularity (pgr_handler), or port 0, which only a persistent service
  // may have (check_data.c); the service is persistent in its table, so it is in the plan
  if (persistence === undefined && granularity !== undefined) {
    persistence = KEEPALIVED_PERSISTENCE_S;
    out.notes.push(`${place(vs)}: persistence_granularity without persistence_timeout: keepalived makes the service persistent for ${KEEPALIVED_PERSISTENCE_S} s, and so does this plan`);
  }
  if (persistence === undefined && keys.some((k) => k.kind !== 'fwmark' && k.port === 0)) {
    persistence = KEEPALIVED_PERSISTENCE_S;
    out.notes.push(`${place(vs)}: port 0 (every port) is only valid for a persistent service: keepalived makes it persistent for ${KEEPALIVED_PERSISTENCE_S} s, and so does this plan`);
  }
  const shared = serviceExtras(vs, realservers, defaults, sorry, notCarried, out.notes);
  for (const key of keys) {
    const servicePort = key.kind === 'fwmark' ? 0 : key.port;
    let extras = shared;
    out.services.push({
      service: {
        key,
        scheduler,
        flags,
        ...(persistence !== undefined ? { persistence: { timeout: persistence, ...(netmask ? { netmask } : {}) } } : {}),
      },
      destinations: realservers.map((rs) => {
        const method = rs.forwarding ?? forwarding ?? 'nat';
        return { address: rs.address, port: destinationPort(key, method, rs.port), weight: rs.weight, forwarding: method };
      }),
    });
    const sorryPort = extras.sorryServer ? destinationPort(key, forwarding ?? 'nat', extras.sorryServer.port ?? 0) : 0;
    // the check's port goes without saying when it is the service's
    const own = extras.healthCheck && extras.healthCheck.port === servicePort && servicePort !== 0
      ? { ...extras, healthCheck: { ...extras.healthCheck, port: undefined } } : extras;
    if (own.healthCheck && own.healthCheck.port === undefined) delete own.healthCheck.port;
    extras = own;
    out.extras.push(extras.sorryServer ? { ...extras, sorryServer: { address: extras.sorryServer.address, ...(sorryPort ? { port: sorryPort } : {}) } } : extras);
  }
}

/**
 * The destination port keepalived gives IPVS (check_parser.c): with NAT the realserver's own
 * port (the service's when it has none); otherwise a mark service's destinations get port 0
 * and a port service's get the service's port, whatever the realserver line says.
 */
function destinationPort(key: ServiceKey, method: Forwarding, given: number): number {
  const servicePort = key.kind === 'fwmark' ? 0 : key.port;
  if (method === 'nat') return given || servicePort;
  return servicePort;
}

/** The one health check of the service (keepalived has one per realserver) and its sorry server. */
function serviceExtras(vs: Statement, realservers: Realserver[], defaults: CheckerDefaults, sorry: { address: string; port: number } | undefined, notCarried: NotCarried[], notes: string[]): ServiceExtras {
  let chosen: ImportedHealthCheck | undefined;
  let chosenAt: Statement | undefined;
  for (const rs of realservers) {
    const [first, ...others] = rs.checkers;
    for (const o of others) notCarried.push({ file: o.file, line: o.line, what: o.keyword, why: 'lvsctl runs one check per service: the first checker of a realserver is kept' });
    if (!first) continue;
    const mapped = mapChecker(first, defaults);
    if ('refused' in mapped) { notCarried.push(mapped.refused); continue; }
    appendAll(notCarried, mapped.notCarried);
    // keepalived checks each realserver on its own port; lvsctl's check port is the service's unless set
    if (mapped.check.port === undefined && rs.port) mapped.check.port = rs.port;
    if (!chosen) { chosen = mapped.check; chosenAt = first; continue; }
    const same = JSON.stringify({ ...mapped.check, port: undefined }) === JSON.stringify({ ...chosen, port: undefined }) && mapped.check.port === chosen.port;
    if (!same) notCarried.push({ file: first.file, line: first.line, what: first.keyword, why: `differs from the check at ${place(chosenAt as Statement)}: lvsctl runs one check per service, the first is kept` });
  }
  if (chosen) {
    const unchecked = realservers.filter((rs) => rs.checkers.length === 0);
    for (const rs of unchecked) notCarried.push({ file: rs.statement.file, line: rs.statement.line, what: `real_server ${rs.address} without a checker`, why: 'keepalived never checks it; lvsctl checks every realserver of a checked service' });
    const removed = realservers.filter((rs) => rs.checkers.length > 0 && !rs.inhibit);
    if (removed.length > 0) notes.push(`${place(vs)}: keepalived removes a failed realserver without inhibit_on_failure; lvsctl sets its weight to 0 (what inhibit_on_failure does), so its connections finish`);
  }
  const extras: ServiceExtras = chosen ? { healthCheck: chosen } : {};
  if (sorry) {
    if (!chosen) notCarried.push({ file: vs.file, line: vs.line, what: `sorry_server ${sorry.address} ${sorry.port}`, why: 'lvsctl calls on a sorry server only when a health check finds every realserver down, and this service has none' });
    else extras.sorryServer = { address: sorry.address, ...(sorry.port ? { port: sorry.port } : {}) };
  }
  return extras;
}
