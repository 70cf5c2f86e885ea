// One ipvsadm command line (as in `ipvsadm -S -n` output or `ipvsadm -R` input) read into
// typed fields. Only what lvsctl's model can hold is accepted; everything else is refused
// with a reason, never dropped, so a table is never misread.
import { isIPv4, isIPv6 } from 'node:net';
import {
  FLAGS_OF_SCHEDULER,
  SCHEDULERS,
  SCHEDULER_FLAGS,
  type Forwarding,
  type Scheduler,
  type SchedulerFlag,
  type ServiceKey,
} from '../model';

/** The persistence timeout ipvsadm uses for a bare -p (IPVS_SVC_PERSISTENT_TIMEOUT). */
export const DEFAULT_PERSISTENCE_TIMEOUT = 300;

export interface ServiceLine {
  command: 'add-service' | 'edit-service' | 'delete-service';
  flag: string;
  key: ServiceKey;
  scheduler?: Scheduler;
  /** timeout in seconds; absent = not persistent */
  persistence?: number;
  netmask?: string;
  flags: SchedulerFlag[];
}

export interface DestinationLine {
  command: 'add-destination' | 'edit-destination' | 'delete-destination';
  flag: string;
  key: ServiceKey;
  realserver: { address: string; port?: number };
  weight?: number;
  forwarding?: Forwarding;
}

export type IpvsadmLine = { command: 'clear'; flag: string } | ServiceLine | DestinationLine;

type Fail = (reason: string) => never;

const COMMANDS: Readonly<Record<string, IpvsadmLine['command']>> = {
  '-A': 'add-service', '--add-service': 'add-service',
  '-E': 'edit-service', '--edit-service': 'edit-service',
  '-D': 'delete-service', '--delete-service': 'delete-service',
  '-a': 'add-destination', '--add-server': 'add-destination',
  '-e': 'edit-destination', '--edit-server': 'edit-destination',
  '-d': 'delete-destination', '--delete-server': 'delete-destination',
  '-C': 'clear', '--clear': 'clear',
};

const FORWARDING_OPTIONS: Readonly<Record<string, Forwarding>> = {
  '-g': 'dr', '--gatewaying': 'dr',
  '-m': 'nat', '--masquerading': 'nat',
  '-i': 'tun', '--ipip': 'tun',
};

const KNOWN_OPTIONS =
  'lvsctl reads the options ipvsadm -S -n prints: -A/-E/-D/-a/-e/-d/-C, -t/-u/-f [-6], -s, -p, -M, -b, -r, -g/-m/-i, -w';

function parsePort(text: string, fail: Fail): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) {
    return fail(`port "${text}" is not a number 0..65535 (names such as "http" appear without -n: use ipvsadm -S -n)`);
  }
  return Number(text);
}

/** "10.0.0.1:80", "[2001:db8::1]:80", and, where the port may be left out, "10.0.0.1". */
export function parseAddressPort(text: string, fail: Fail, portRequired: boolean): { address: string; port?: number } {
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  let address: string;
  let port: string | undefined;
  if (bracketed) {
    [, address, port] = bracketed;
    if (!isIPv6(address)) return fail(`"${address}" is not an IPv6 address`);
  } else {
    const colon = text.lastIndexOf(':');
    address = colon < 0 ? text : text.slice(0, colon);
    port = colon < 0 ? undefined : text.slice(colon + 1);
    if (isIPv6(text)) return fail(`IPv6 address "${text}" must be written in brackets, e.g. [${text}]:80`);
    if (!isIPv4(address)) {
      return fail(`"${address}" is not a numeric IPv4 address (host names appear without -n: use ipvsadm -S -n)`);
    }
  }
  if (port === undefined) {
    if (portRequired) return fail(`"${text}" has no port; write ADDRESS:PORT (0 for all ports)`);
    return { address };
  }
  return { address, port: parsePort(port, fail) };
}

function parseMark(text: string, fail: Fail): number {
  const value = /^\d+$/.test(text) ? Number(text) : /^0x[0-9a-f]+$/i.test(text) ? parseInt(text, 16) : NaN;
  if (!Number.isInteger(value) || value < 1 || value > 2 ** 32 - 1) {
    return fail(`firewall mark "${text}" is not a number 1..4294967295`);
  }
  return value;
}

function parseNetmask(text: string, fail: Fail): string {
  if (isIPv4(text)) return text;
  if (/^\d{1,3}$/.test(text) && Number(text) <= 128) return String(Number(text));
  return fail(`netmask "${text}" is neither an IPv4 netmask (255.255.255.0) nor an IPv6 prefix length (64)`);
}

function schedulerFlag(name: string, scheduler: Scheduler, fail: Fail): SchedulerFlag {
  const allowed = FLAGS_OF_SCHEDULER[scheduler] ?? [];
  // ipvsadm also accepts flag-1/flag-2, meaning the scheduler's first and second flag.
  const numbered = /^flag-([12])$/.exec(name);
  const flag = numbered ? allowed[Number(numbered[1]) - 1] : (SCHEDULER_FLAGS as readonly string[]).includes(name) ? (name as SchedulerFlag) : undefined;
  if (flag === undefined || !allowed.includes(flag)) {
    return fail(`scheduler flag "${name}" is not one scheduler ${scheduler} takes (${allowed.join(', ') || 'it takes none'})`);
  }
  return flag;
}

/**
 * Reads one line. Blank lines and # comments give undefined; a leading "ipvsadm" word
 * is skipped as `ipvsadm -R` does. `fail` throws with the reason.
 */
export function parseIpvsadmLine(line: string, fail: Fail): IpvsadmLine | undefined {
  const words = line.trim().split(/\s+/).filter((w) => w !== '');
  if (words.length > 0 && /(^|\/)ipvsadm$/.test(words[0])) words.shift();
  if (words.length === 0 || words[0].startsWith('#')) return undefined;

  const flag = words[0];
  const command = COMMANDS[flag];
  if (command === undefined) return fail(`"${flag}" is not an ipvsadm command (-A, -E, -D, -a, -e, -d, -C)`);
  if (command === 'clear') {
    if (words.length > 1) fail(`-C takes no options`);
    return { command, flag };
  }

  let key: ServiceKey | undefined;
  let fwmark: number | undefined;
  let ipv6 = false;
  let scheduler: Scheduler | undefined;
  let persistence: number | undefined;
  let netmask: string | undefined;
  let flagNames: string[] = [];
  let realserver: { address: string; port?: number } | undefined;
  let weight: number | undefined;
  let forwarding: Forwarding | undefined;
  const serviceOnly: string[] = [];

  for (let i = 1; i < words.length; i++) {
    const option = words[i];
    const value = (): string => {
      const v = words[++i];
      return v === undefined ? fail(`option ${option} needs a value`) : v;
    };
    if (key !== undefined || fwmark !== undefined) {
      if (['-t', '--tcp-service', '-u', '--udp-service', '-f', '--fwmark-service'].includes(option)) {
        fail(`a second service (${option}) on one line`);
      }
    }
    switch (option) {
      case '-t': case '--tcp-service': case '-u': case '--udp-service': {
        const ap = parseAddressPort(value(), fail, true);
        key = { kind: option === '-t' || option === '--tcp-service' ? 'tcp' : 'udp', vip: ap.address, port: ap.port ?? 0 };
        break;
      }
      case '-f': case '--fwmark-service':
        fwmark = parseMark(value(), fail);
        break;
      case '-6': case '--ipv6':
        ipv6 = true;
        break;
      case '-s': case '--scheduler': {
        const name = value();
        if (!(SCHEDULERS as readonly string[]).includes(name)) fail(`unknown scheduler "${name}" (one of ${SCHEDULERS.join(' ')})`);
        scheduler = name as Scheduler;
        serviceOnly.push(option);
        break;
      }
      case '-p': case '--persistent': {
        const next = words[i + 1];
        persistence = next !== undefined && /^\d+$/.test(next) ? Number(words[++i]) : DEFAULT_PERSISTENCE_TIMEOUT;
        if (persistence < 1) fail(`persistence timeout must be at least 1 second`);
        serviceOnly.push(option);
        break;
      }
      case '-M': case '--netmask':
        netmask = parseNetmask(value(), fail);
        serviceOnly.push(option);
        break;
      case '-b': case '--sched-flags':
        flagNames = value().split(',').filter((f) => f !== '');
        serviceOnly.push(option);
        break;
      case '-r': case '--real-server':
        realserver = parseAddressPort(value(), fail, false);
        break;
      case '-w': case '--weight': {
        const w = value();
        if (!/^\d{1,5}$/.test(w) || Number(w) > 65535) fail(`weight "${w}" is not a number 0..65535`);
        weight = Number(w);
        break;
      }
      case '--tun-type': {
        const t = value();
        if (t !== 'ipip') fail(`tunnel type "${t}" is not one lvsctl manages (only ipip, ipvsadm's -i)`);
        break;
      }
      // What ipvsadm -S prints for kernel features lvsctl's model cannot hold: named, so a
      // table holding someone else's such service is reported clearly rather than as garbage.
      case '--sctp-service':
        return fail(`an SCTP service (${option} ${value()}): lvsctl manages TCP, UDP and fwmark services only`);
      case '-o': case '--ops':
        return fail(`one-packet scheduling (${option}), which lvsctl does not manage`);
      case '--pe': case '--persistence-engine':
        return fail(`a persistence engine (${option} ${value()}), which lvsctl does not manage`);
      case '--tun-port': case '--tun-nocsum': case '--tun-csum': case '--tun-remcsum':
        return fail(`a GUE/GRE tunnel option (${option}), which lvsctl does not manage (only ipip, ipvsadm's -i)`);
      default: {
        const fwd = FORWARDING_OPTIONS[option];
        if (fwd === undefined) fail(`unknown option "${option}"; ${KNOWN_OPTIONS}`);
        forwarding = fwd;
      }
    }
  }

  if (fwmark !== undefined) key = { kind: 'fwmark', mark: fwmark, family: ipv6 ? 'inet6' : 'inet' };
  if (key === undefined) return fail(`${flag} needs a service: -t ADDRESS:PORT, -u ADDRESS:PORT or -f MARK`);

  if (command === 'add-service' || command === 'edit-service' || command === 'delete-service') {
    if (realserver || weight !== undefined || forwarding) fail(`-r, -w and -g/-m/-i belong on -a/-e lines, not ${flag}`);
    if (netmask !== undefined && persistence === undefined) fail(`-M (netmask) only makes sense with -p (persistence)`);
    if (netmask !== undefined) {
      const v6 = key.kind === 'fwmark' ? key.family === 'inet6' : isIPv6(key.vip);
      if (v6 !== !isIPv4(netmask)) fail(`netmask "${netmask}" does not fit an ${v6 ? 'IPv6' : 'IPv4'} service`);
    }
    const sched = scheduler ?? 'wlc';
    const flags = flagNames.map((n) => schedulerFlag(n, sched, fail));
    return { command, flag, key, ...(scheduler ? { scheduler } : {}), ...(persistence !== undefined ? { persistence } : {}), ...(netmask !== undefined ? { netmask } : {}), flags };
  }
  if (serviceOnly.length > 0) fail(`${serviceOnly.join(', ')} belong on -A/-E lines, not ${flag}`);
  if (!realserver) return fail(`${flag} needs a realserver: -r ADDRESS[:PORT]`);
  return { command, flag, key, realserver, ...(weight !== undefined ? { weight } : {}), ...(forwarding ? { forwarding } : {}) };
}
