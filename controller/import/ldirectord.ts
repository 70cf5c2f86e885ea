// ldirectord.cf → the IPVS services it builds and, per service, its check and fallback
// (sorry) server. ldirectord's format (ldirectord(8)): "key=value" lines; a "virtual="
// line opens a service and the indented lines under it are its settings; "#" comments.
// Pure; what has no lvsctl counterpart is reported with its file and line.
import { isIP } from 'node:net';
import { SCHEDULERS, type Forwarding, type IpvsService, type Scheduler, type ServiceKey } from '../../lvs/model';
import { duration, type ImportedHealthCheck, type NotCarried } from './keepalived/checkers';
import type { ImportedServiceExtras } from './import-plan';

export interface LdirectordServices {
  services: IpvsService[];
  extras: ImportedServiceExtras[];
  notCarried: NotCarried[];
  notes: string[];
}

export class LdirectordImportError extends Error {
  constructor(file: string, line: number, problem: string) {
    super(`${file}:${line}: ${problem}`);
  }
}

interface Line {
  line: number;
  indented: boolean;
  key: string;
  value: string;
}

function unquote(v: string): string {
  const t = v.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

function readLines(text: string, file: string): Line[] {
  const out: Line[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const stripped = raw.replace(/(^|\s)#.*$/, '');
    if (stripped.trim() === '') return;
    const m = /^(\s*)([A-Za-z0-9_]+)\s*=\s*(.*)$/.exec(stripped);
    if (!m) throw new LdirectordImportError(file, i + 1, `not a "key=value" line: ${JSON.stringify(raw.trim())}`);
    out.push({ line: i + 1, indented: m[1].length > 0, key: m[2].toLowerCase(), value: m[3].trim() });
  });
  return out;
}

/** ldirectord's own parser stops at a connecttimeout line (a config error: it was replaced by negotiatetimeout). */
const CONNECTTIMEOUT_WHY = 'ldirectord refuses it as a configuration error (negotiatetimeout replaced it); not used';

const METHODS: Record<string, Forwarding> = { gate: 'dr', masq: 'nat', ipip: 'tun' };

/** "10.0.0.1:80", "[2001:db8::1]:80", "1" (a mark) */
function endpoint(text: string, file: string, line: number): { address: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$|^([^:\s]+):(\d+)$/.exec(text);
  const address = m?.[1] ?? m?.[3];
  const port = Number(m?.[2] ?? m?.[4]);
  if (!address || isIP(address) === 0 || !(port >= 0 && port <= 65535)) {
    throw new LdirectordImportError(file, line, `"${text}" is not ADDRESS:PORT with a numeric address (lvsctl does not resolve names here)`);
  }
  return { address, port };
}

interface Virtual {
  at: number;
  key: { fwmark: number } | { vip: string; port: number };
  lines: Line[];
}

export function ldirectordServices(text: string, file: string): LdirectordServices {
  const out: LdirectordServices = { services: [], extras: [], notCarried: [], notes: [] };
  const global = new Map<string, Line>();
  const virtuals: Virtual[] = [];
  for (const l of readLines(text, file)) {
    if (l.key === 'virtual') {
      const v = unquote(l.value);
      const e = /^\d+$/.test(v) ? undefined : endpoint(v, file, l.line);
      virtuals.push({ at: l.line, key: e ? { vip: e.address, port: e.port } : { fwmark: Number(v) }, lines: [] });
    } else if (l.indented && virtuals.length > 0) {
      virtuals[virtuals.length - 1].lines.push(l);
    } else {
      global.set(l.key, l);
    }
  }
  for (const [key, l] of global) {
    if (key === 'connecttimeout') {
      out.notCarried.push({ file, line: l.line, what: `${key}=${l.value}`, why: CONNECTTIMEOUT_WHY });
      continue;
    }
    if (!['checkinterval', 'checktimeout', 'negotiatetimeout', 'connecttimeout', 'failurecount', 'quiescent', 'fallback', 'autoreload', 'logfile', 'emailalert', 'emailalertfreq', 'emailalertstatus', 'supervised', 'fork', 'cleanstop', 'callback', 'smtp', 'maintenancedir', 'readdquiescent', 'checkcount'].includes(key)) {
      out.notCarried.push({ file, line: l.line, what: `${key}=${l.value}`, why: 'not an ldirectord setting lvsctl knows' });
    } else if (['autoreload', 'logfile', 'emailalert', 'emailalertfreq', 'emailalertstatus', 'supervised', 'fork', 'cleanstop', 'callback', 'smtp', 'maintenancedir', 'readdquiescent', 'checkcount'].includes(key)) {
      out.notCarried.push({ file, line: l.line, what: `${key}=${l.value}`, why: 'a setting of ldirectord itself, not of the IPVS table or its checks' });
    }
  }
  for (const v of virtuals) readVirtual(v, global, file, out);
  return out;
}

function readVirtual(v: Virtual, global: Map<string, Line>, file: string, out: LdirectordServices): void {
  const get = (key: string): Line | undefined => v.lines.filter((l) => l.key === key).pop() ?? global.get(key);
  const skip = (l: Line, why: string): void => { out.notCarried.push({ file, line: l.line, what: `${l.key}=${l.value}`, why }); };
  const protocolLine = get('protocol');
  const protocol = (protocolLine ? unquote(protocolLine.value) : 'tcp').toLowerCase();
  if ('fwmark' in v.key ? protocol !== 'fwm' && protocolLine !== undefined && protocol !== 'tcp' && protocol !== 'udp' : protocol !== 'tcp' && protocol !== 'udp') {
    throw new LdirectordImportError(file, protocolLine?.line ?? v.at, `protocol "${protocol}": lvsctl manages tcp, udp and fwmark services`);
  }
  const key: ServiceKey = 'fwmark' in v.key ? { kind: 'fwmark', mark: v.key.fwmark, family: 'inet' } : { kind: protocol as 'tcp' | 'udp', vip: v.key.vip, port: v.key.port };
  const servicePort = key.kind === 'fwmark' ? 0 : key.port;
  const schedulerLine = get('scheduler');
  const scheduler = (schedulerLine ? unquote(schedulerLine.value) : 'wrr').toLowerCase();
  if (!(SCHEDULERS as readonly string[]).includes(scheduler)) throw new LdirectordImportError(file, schedulerLine?.line ?? v.at, `scheduler "${scheduler}" is not one IPVS has`);
  const persistentLine = get('persistent');
  const persistence = persistentLine ? Number(unquote(persistentLine.value)) : undefined;
  const netmaskLine = get('netmask');
  const netmask = netmaskLine ? unquote(netmaskLine.value) : undefined;
  const destinations: IpvsService['destinations'] = [];
  for (const l of v.lines.filter((x) => x.key === 'real')) {
    const words = unquote(l.value).split(/\s+/);
    if (words[0].includes('->')) { skip(l, 'an address range (A->B): list each realserver on its own real= line'); continue; }
    const e = endpoint(words[0].includes(':') || words[0].startsWith('[') ? words[0] : `${words[0]}:${servicePort}`, file, l.line);
    const method = METHODS[(words[1] ?? 'gate').toLowerCase()];
    if (!method) throw new LdirectordImportError(file, l.line, `forwarding "${words[1]}" is not gate, masq or ipip`);
    const weight = words[2] === undefined ? 1 : Number(words[2]);
    if (!Number.isInteger(weight) || weight < 0 || weight > 65535) throw new LdirectordImportError(file, l.line, `weight "${words[2]}" is not 0..65535`);
    if (words.length > 3) skip(l, 'a per-realserver request/receive: lvsctl has one check per service (the service\'s request= and receive= are used)');
    destinations.push({ address: e.address, port: e.port || servicePort, weight, forwarding: method });
  }
  const checktype = get('checktype');
  if (checktype && /^off$/i.test(unquote(checktype.value))) {
    // ldirectord then activates neither the realservers nor the fallback: no traffic reaches them
    for (const d of destinations) d.weight = 0;
    out.notes.push(`${file}:${checktype.line}: checktype=off: ldirectord activates no realserver of this service; they are imported at weight 0`);
  }
  out.services.push({
    service: { key, scheduler: scheduler as Scheduler, flags: [], ...(persistence ? { persistence: { timeout: persistence, ...(netmask && netmask !== '255.255.255.255' ? { netmask } : {}) } } : {}) },
    destinations,
  });
  const extras: ImportedServiceExtras = {};
  const check = healthCheck(v, key.kind, global, get, file, servicePort, out, skip);
  if (check) extras.healthCheck = check;
  const fallback = get('fallback');
  if (fallback) {
    const words = unquote(fallback.value).split(/\s+/);
    const e = endpoint(words[0].includes(':') ? words[0] : `${words[0]}:${servicePort}`, file, fallback.line);
    if (check) extras.sorryServer = { address: e.address, ...(e.port ? { port: e.port } : {}) };
    else skip(fallback, 'lvsctl calls on a sorry server only when a health check finds every realserver down, and this service has none');
  }
  out.extras.push(extras);
  const quiescent = get('quiescent');
  if (check && quiescent && /^no$/i.test(unquote(quiescent.value))) {
    out.notes.push(`${file}:${quiescent.line}: quiescent=no removes a failed realserver; lvsctl sets its weight to 0 (quiescent=yes), so its connections finish`);
  }
  for (const l of v.lines) {
    if (l.key === 'connecttimeout') {
      skip(l, CONNECTTIMEOUT_WHY);
      continue;
    }
    if (!['real', 'scheduler', 'persistent', 'netmask', 'protocol', 'fallback', 'checktype', 'service', 'checkport', 'request', 'receive', 'virtualhost', 'checkinterval', 'checktimeout', 'negotiatetimeout', 'connecttimeout', 'failurecount', 'quiescent', 'httpmethod', 'checkcommand'].includes(l.key)) {
      skip(l, 'not a virtual setting lvsctl can carry over');
    }
  }
}

/** ldirectord's service for a virtual port when the config names none (its ld_port_to_service). */
const SERVICE_OF_PORT: Record<number, string> = {
  21: 'ftp', 25: 'smtp', 53: 'dns', 80: 'http', 110: 'pop', 119: 'nntp', 143: 'imap', 389: 'ldap', 443: 'https', 587: 'submission',
  636: 'ldaps', 993: 'imaps', 995: 'pops', 1521: 'oracle', 1812: 'radius', 3128: 'http_proxy', 3306: 'mysql', 5060: 'sip', 5432: 'pgsql',
};

/** ldirectord's defaults (its set_defaults): a check every 10 s, 5 s for connect and external, 30 s for negotiate. */
const DEFAULT_CHECK_INTERVAL_S = 10;
const DEFAULT_CHECK_TIMEOUT_S = 5;
const DEFAULT_NEGOTIATE_TIMEOUT_S = 30;

/**
 * The timeout ldirectord gives a check: checktimeout and negotiatetimeout stand in for each
 * other, the virtual's before the global ones, each kind of check asking for its own first.
 */
function checkTimeoutS(v: Virtual, global: Map<string, Line>, negotiate: boolean): number {
  const own = (key: string): string | undefined => { const l = v.lines.filter((x) => x.key === key).pop(); return l ? unquote(l.value) : undefined; };
  const shared = (key: string): string | undefined => { const l = global.get(key); return l ? unquote(l.value) : undefined; };
  const [first, second] = negotiate ? ['negotiatetimeout', 'checktimeout'] : ['checktimeout', 'negotiatetimeout'];
  const text = own(first) ?? own(second) ?? shared(first) ?? shared(second);
  return text !== undefined ? Number(text) : negotiate ? DEFAULT_NEGOTIATE_TIMEOUT_S : DEFAULT_CHECK_TIMEOUT_S;
}

function healthCheck(
  v: Virtual, kind: ServiceKey['kind'], global: Map<string, Line>, get: (key: string) => Line | undefined, file: string, servicePort: number, out: LdirectordServices, skip: (l: Line, why: string) => void,
): ImportedHealthCheck | undefined {
  const value = (key: string): string | undefined => { const l = get(key); return l ? unquote(l.value) : undefined; };
  const checktype = (value('checktype') ?? 'negotiate').toLowerCase();
  const named = value('service')?.toLowerCase();
  // a firewall-mark service has port 0: ldirectord's default service for it is none
  const service = named ?? SERVICE_OF_PORT[servicePort] ?? 'none';
  const serviceWhat = named ? `service=${service}` : `service=${service} (ldirectord's default for port ${servicePort})`;
  if (checktype === 'off' || checktype === 'on' || checktype === 'none') return undefined;
  const checkPort = value('checkport');
  const port = checkPort ? Number(checkPort) : undefined;
  const timeoutS = checkTimeoutS(v, global, checktype === 'negotiate');
  const intervalS = Number(value('checkinterval') ?? DEFAULT_CHECK_INTERVAL_S);
  const failure = value('failurecount');
  const timing: Partial<ImportedHealthCheck> = {
    interval: duration(intervalS), timeout: duration(Math.min(timeoutS, intervalS)), rise: 1,
    ...(failure ? { fall: Math.min(100, Math.max(1, Number(failure))) } : {}),
    ...(port ? { port } : {}),
  };
  const at = get('checktype') ?? get('service');
  const line = at?.line ?? v.at;
  if (checktype === 'connect') {
    // ldirectord pings (ICMP) a realserver of a UDP service for a connect check
    if (kind === 'udp') {
      out.notCarried.push({ file, line, what: 'checktype=connect of a UDP service', why: 'ldirectord pings (ICMP) for it and lvsctl has no ping check: give the service a udp or dns check' });
      return undefined;
    }
    return { type: 'tcp', ...timing };
  }
  if (checktype === 'external' || checktype === 'external-perl') {
    const command = value('checkcommand');
    if (!command || !command.startsWith('/')) { out.notCarried.push({ file, line, what: 'checktype=external', why: 'the checkcommand must be an absolute path for an lvsctl exec check' }); return undefined; }
    // ldirectord calls it with: VIP VPORT RIP RPORT
    return { type: 'exec', exec: { command, args: key(v), }, ...timing };
  }
  if (checktype !== 'negotiate') { out.notCarried.push({ file, line, what: `checktype=${checktype}`, why: 'lvsctl has connect (tcp), negotiate (http, https, dns) and external (exec)' }); return undefined; }
  // negotiate with service none: ldirectord takes every realserver as up, as lvsctl does without a check
  if (service === 'none') return undefined;
  const request = value('request');
  const receive = value('receive');
  if (service === 'http' || service === 'https') {
    const method = value('httpmethod');
    if (method && method.toUpperCase() !== 'GET') { const l = get('httpmethod'); if (l) skip(l, 'lvsctl\'s http check sends GET'); }
    const host = value('virtualhost');
    return {
      type: service, path: request ? (request.startsWith('/') ? request : `/${request}`) : '/',
      ...(host ? { host } : {}),
      ...(receive ? { bodyRegex: receive } : {}),
      ...timing,
    };
  }
  if (service === 'dns') {
    if (!request) { out.notCarried.push({ file, line, what: serviceWhat, why: 'a dns check needs request= (the name to ask for)' }); return undefined; }
    return { type: 'dns', dns: { name: request, type: 'A', ...(receive ? { expect: [receive] } : {}) }, ...timing, ...(port ? {} : servicePort ? {} : { port: 53 }) };
  }
  out.notCarried.push({ file, line: get('service')?.line ?? line, what: serviceWhat, why: 'lvsctl negotiates http, https and dns only (a tcp connect check is checktype=connect); the service is imported without a check, every realserver taken as up' });
  return undefined;
}

/** The exec arguments ldirectord passes to an external check: VIP VPORT RIP RPORT. */
function key(v: Virtual): string[] {
  const vip = 'fwmark' in v.key ? String(v.key.fwmark) : v.key.vip;
  const vport = 'fwmark' in v.key ? '0' : String(v.key.port);
  return [vip, vport, '{address}', '{port}'];
}
