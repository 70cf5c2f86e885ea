// ipvsadm's text, both ways: `ipvsadm -R` input from operations or a whole table, and the
// table back from `ipvsadm -S -n`. The exact shape of -S output is taken from ipvsadm
// 1.31's print_service_entry() (FMT_RULE), see docs/render-and-import.md:
//   -A -t 10.0.0.100:80 -s rr -p 360 [-M 255.255.255.0] [-b sh-fallback,sh-port]
//   -a -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 1
//   -A -f 1 -6 -s wlc            (fwmark services; -6 only for IPv6 ones)
// -p is printed only for a persistent service, -M only when not the default (/32, /128).
import type { IpvsOperation } from '../operations';
import {
  formatAddressPort,
  isIpv6,
  SCHEDULER_FLAGS,
  type Destination,
  type Forwarding,
  type IpvsService,
  type SchedulerFlag,
  type ServiceKey,
  type VirtualService,
} from '../model';
import type { IpvsReading, UnparsedService } from '../ipvs-reading';
import { parseAddressPort, parseIpvsadmLine, type IpvsadmLine, type ServiceLine } from './ipvsadm-args';
import { TextFormatError } from './text-format-error';

const FORWARDING_SWITCH: Readonly<Record<Forwarding, string>> = { dr: '-g', nat: '-m', tun: '-i' };

/** "-t 10.0.0.100:80", "-u [2001:db8::1]:53", "-f 1", "-f 1 -6". */
export function serviceKeyArgs(key: ServiceKey): string {
  if (key.kind === 'fwmark') return key.family === 'inet6' ? `-f ${key.mark} -6` : `-f ${key.mark}`;
  return `${key.kind === 'tcp' ? '-t' : '-u'} ${formatAddressPort(key.vip, key.port)}`;
}

function keyIsIpv6(key: ServiceKey): boolean {
  return key.kind === 'fwmark' ? key.family === 'inet6' : isIpv6(key.vip);
}

/** The netmask ipvsadm leaves out of -S because it is the default: one client address. */
export function isDefaultNetmask(key: ServiceKey, netmask: string): boolean {
  return keyIsIpv6(key) ? netmask === '128' : netmask === '255.255.255.255';
}

/** Flags in the one order ipvsadm prints them, without repeats. */
export function canonicalFlags(flags: readonly SchedulerFlag[]): SchedulerFlag[] {
  return SCHEDULER_FLAGS.filter((f) => flags.includes(f));
}

/** "-s rr -p 360 -M 255.255.255.0 -b sh-port": the settings -A and -E take, in -S order. */
function serviceSettingsArgs(s: VirtualService): string {
  let args = `-s ${s.scheduler}`;
  if (s.persistence) {
    args += ` -p ${s.persistence.timeout}`;
    const mask = s.persistence.netmask;
    if (mask !== undefined && !isDefaultNetmask(s.key, mask)) args += ` -M ${mask}`;
  }
  const flags = canonicalFlags(s.flags);
  if (flags.length > 0) args += ` -b ${flags.join(',')}`;
  return args;
}

function destinationArgs(d: Destination): string {
  return `-r ${formatAddressPort(d.address, d.port)} ${FORWARDING_SWITCH[d.forwarding]} -w ${d.weight}`;
}

function operationLine(op: IpvsOperation): string {
  switch (op.op) {
    case 'add-service':
      return `-A ${serviceKeyArgs(op.service.key)} ${serviceSettingsArgs(op.service)}`;
    case 'edit-service':
      return `-E ${serviceKeyArgs(op.service.key)} ${serviceSettingsArgs(op.service)}`;
    case 'delete-service':
      return `-D ${serviceKeyArgs(op.service.key)}`;
    case 'add-destination':
      return `-a ${serviceKeyArgs(op.key)} ${destinationArgs(op.destination)}`;
    case 'edit-destination':
      return `-e ${serviceKeyArgs(op.key)} ${destinationArgs(op.destination)}`;
    case 'delete-destination':
      return `-d ${serviceKeyArgs(op.key)} -r ${formatAddressPort(op.destination.address, op.destination.port)}`;
  }
}

/** `ipvsadm -R` input: one line per operation, in order, newline-terminated ("" for none). */
export function renderIpvsRestore(ops: IpvsOperation[]): string {
  return ops.map((op) => operationLine(op) + '\n').join('');
}

/** The whole table as `ipvsadm -S -n` prints it: each -A followed by its -a lines. */
export function renderIpvsState(services: IpvsService[]): string {
  const ops: IpvsOperation[] = [];
  for (const s of services) {
    ops.push({ op: 'add-service', service: s.service });
    for (const d of s.destinations) ops.push({ op: 'add-destination', key: s.service.key, destination: d });
  }
  return renderIpvsRestore(ops);
}

function keyString(key: ServiceKey): string {
  return serviceKeyArgs(key);
}

function toVirtualService(line: ServiceLine): VirtualService {
  const netmask = line.netmask !== undefined && !isDefaultNetmask(line.key, line.netmask) ? line.netmask : undefined;
  return {
    key: line.key,
    scheduler: line.scheduler ?? 'wlc',
    flags: canonicalFlags(line.flags),
    ...(line.persistence !== undefined
      ? { persistence: { timeout: line.persistence, ...(netmask !== undefined ? { netmask } : {}) } }
      : {}),
  };
}

/**
 * Parses `ipvsadm -S -n` output, or `ipvsadm -R` input made of -A/-a (and -C) lines, into
 * the table it describes, services in text order. ipvsadm's defaults fill what a hand-written
 * line leaves out (scheduler wlc, -g, weight 1, the service's port for -r without one), so
 * a hand-written `ipvsadm -A -t VIP:0 -p 360` parses too. Anything else is a TextFormatError
 * naming the line (lvsctl import relies on that: it must not drop a service silently).
 */
export function parseIpvsSave(text: string): IpvsService[] {
  return parseTable(text, 'strict').services;
}

/**
 * Like parseIpvsSave, for a kernel lvsctl shares with others: a service the model cannot
 * hold (SCTP, -o, --pe, a GUE/GRE destination) is set aside whole, with its first unreadable
 * line, instead of making the table unreadable. A line that names no service at all is still
 * a TextFormatError: that is not ipvsadm -S output.
 */
export function parseIpvsSaveTolerant(text: string): IpvsReading {
  return parseTable(text, 'tolerant');
}

/** A line failed to parse; carries the reason to the caller, who decides strict or tolerant. */
class LineRefused extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

function parseTable(text: string, mode: 'strict' | 'tolerant'): IpvsReading {
  const services = new Map<string, IpvsService>();
  const foreign = new Map<string, UnparsedService>();
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const lineText = raw.replace(/\r$/, '');
    const fail = (reason: string): never => {
      throw new TextFormatError(index + 1, lineText, reason);
    };
    let parsed: IpvsadmLine | undefined;
    try {
      parsed = parseIpvsadmLine(lineText, (reason) => {
        throw new LineRefused(reason);
      });
    } catch (error) {
      if (!(error instanceof LineRefused)) throw error;
      const owner = mode === 'tolerant' ? serviceNamedBy(lineText) : undefined;
      if (owner === undefined) return fail(error.reason);
      services.delete(owner.id);
      if (!foreign.has(owner.id)) foreign.set(owner.id, { name: owner.id, ...(owner.key ? { key: owner.key } : {}), line: lineText, reason: error.reason });
      return;
    }
    if (parsed === undefined) return;
    const id = parsed.command === 'clear' ? '' : keyString(parsed.key);
    if (foreign.has(id)) return; // the rest of a service set aside
    switch (parsed.command) {
      case 'clear':
        services.clear();
        foreign.clear();
        return;
      case 'add-service':
        if (services.has(id)) fail(`service ${id} is added a second time`);
        services.set(id, { service: toVirtualService(parsed), destinations: [] });
        return;
      case 'add-destination': {
        const service = services.get(id);
        if (!service) return fail(`destination of service ${id}, which no earlier -A line adds`);
        const destination: Destination = {
          address: parsed.realserver.address,
          port: parsed.realserver.port ?? (parsed.key.kind === 'fwmark' ? 0 : parsed.key.port),
          weight: parsed.weight ?? 1,
          forwarding: parsed.forwarding ?? 'dr',
        };
        const dup = service.destinations.some((d) => d.address === destination.address && d.port === destination.port);
        if (dup) fail(`destination ${formatAddressPort(destination.address, destination.port)} is added twice to ${id}`);
        service.destinations.push(destination);
        return;
      }
      default:
        return fail(`"${parsed.flag}" changes a table; a saved table has only -A and -a lines`);
    }
  });
  return { services: [...services.values()], unparsed: [...foreign.values()] };
}

const SERVICE_OPTIONS: Readonly<Record<string, 'tcp' | 'udp' | 'sctp' | 'fwmark'>> = {
  '-t': 'tcp', '--tcp-service': 'tcp',
  '-u': 'udp', '--udp-service': 'udp',
  '--sctp-service': 'sctp',
  '-f': 'fwmark', '--fwmark-service': 'fwmark',
};

/**
 * The service an unreadable line belongs to, read leniently: its id (the same text
 * keyString gives a readable line) and, for TCP/UDP/fwmark, its key.
 */
function serviceNamedBy(line: string): { id: string; key?: ServiceKey } | undefined {
  const words = line.trim().split(/\s+/);
  const at = words.findIndex((w) => SERVICE_OPTIONS[w] !== undefined);
  const value = at >= 0 ? words[at + 1] : undefined;
  if (value === undefined) return undefined;
  const kind = SERVICE_OPTIONS[words[at]];
  const ipv6 = words.includes('-6') || words.includes('--ipv6');
  const noKey = (): never => {
    throw new LineRefused('');
  };
  try {
    if (kind === 'fwmark') {
      const mark = /^\d+$/.test(value) ? Number(value) : /^0x[0-9a-f]+$/i.test(value) ? parseInt(value, 16) : noKey();
      const key: ServiceKey = { kind: 'fwmark', mark, family: ipv6 ? 'inet6' : 'inet' };
      return { id: keyString(key), key };
    }
    if (kind === 'sctp') return { id: `--sctp-service ${value}` };
    const { address, port } = parseAddressPort(value, noKey, true);
    const key: ServiceKey = { kind, vip: address, port: port ?? 0 };
    return { id: keyString(key), key };
  } catch {
    return { id: `${words[at]} ${value}` };
  }
}
