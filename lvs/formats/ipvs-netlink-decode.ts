// The IPVS generic netlink family, replies side: one dumped service or destination message
// into lvsctl's model, or the reason the model cannot hold it, worded as the ipvsadm
// backend words it (ipvsadm-args.ts) so both backends set the same services aside. Pure.
import {
  FLAGS_OF_SCHEDULER, SCHEDULERS, formatAddressPort, type Destination, type Forwarding, type Scheduler,
  type SchedulerFlag, type ServiceKey, type VirtualService,
} from '../model';
import { formatAddress } from './ip-address-bytes';
import type { IpvsCounters } from '../ipvs-reading';
import { isDefaultNetmask, serviceKeyArgs } from './ipvsadm-format';
import {
  AF_INET, AF_INET6, FWD, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP, IPVS_CMD_ATTR, IPVS_DEST_ATTR, IPVS_STATS_ATTR,
  IPVS_SVC_ATTR, SVC_F, TUNNEL_TYPES,
} from './ipvs-netlink';
import { NetlinkFormatError, parseAttrs, readBe16, readString, readU16, readU32, readU64, readU8 } from './netlink-wire';

/** One service as dumped: what the model holds, or why it cannot (then `service` is absent). */
export interface DumpedService {
  /** absent for SCTP, which the model has no key for */
  key?: ServiceKey;
  /** as ipvsadm names it: "-t 10.0.0.100:80", "-f 1", "--sctp-service 10.0.0.100:80" */
  name: string;
  /** the service as `ipvsadm -S -n` would print it, for messages about it */
  line: string;
  service?: VirtualService;
  /** why lvsctl cannot hold it; set when `service` is absent */
  reason?: string;
  /**
   * the settings a listing shows even for a service lvsctl cannot hold (one-packet, a
   * persistence engine): `ipvsadm -Ln` lists those too; absent for SCTP and unknown schedulers
   */
  listed?: VirtualService;
  stats?: IpvsCounters;
}

export interface DumpedDestination {
  destination: Destination;
  line: string;
  /** why lvsctl cannot hold it (a GUE/GRE tunnel) */
  reason?: string;
  activeConnections: number;
  inactiveConnections: number;
  stats?: IpvsCounters;
}

const FORWARDING_SWITCH: Readonly<Record<Forwarding, string>> = { dr: '-g', nat: '-m', tun: '-i' };

/** IP_VS_TUNNEL_ENCAP_FLAG_* (0, CSUM, REMCSUM) as ipvsadm writes them. */
const TUNNEL_CSUM_OPTIONS: readonly string[] = ['--tun-nocsum', '--tun-csum', '--tun-remcsum'];

function required(attrs: Map<number, Buffer>, type: number, what: string): Buffer {
  const v = attrs.get(type);
  if (v === undefined) throw new NetlinkFormatError(`${what} is missing`);
  return v;
}

function familyAddress(raw: Buffer, af: number): string {
  return formatAddress(af === AF_INET6 ? raw.subarray(0, 16) : raw.subarray(0, 4));
}

/** STATS64 when the kernel has it (4.x on), else the 32-bit STATS. */
function countersOf(attrs: Map<number, Buffer>, stats64: number, stats32: number): IpvsCounters | undefined {
  const wide = attrs.get(stats64);
  const narrow = attrs.get(stats32);
  const nest = wide ?? narrow;
  if (nest === undefined) return undefined;
  const s = parseAttrs(nest);
  const num = (type: number, bits: 32 | 64, what: string): number => {
    const v = s.get(type);
    if (v === undefined) return 0;
    return bits === 64 ? readU64(v, what) : readU32(v, what);
  };
  const small = wide ? 64 : 32;
  return {
    connections: num(IPVS_STATS_ATTR.CONNS, small, 'stats conns'),
    inPackets: num(IPVS_STATS_ATTR.INPKTS, small, 'stats inpkts'),
    outPackets: num(IPVS_STATS_ATTR.OUTPKTS, small, 'stats outpkts'),
    inBytes: num(IPVS_STATS_ATTR.INBYTES, 64, 'stats inbytes'),
    outBytes: num(IPVS_STATS_ATTR.OUTBYTES, 64, 'stats outbytes'),
  };
}

/** Scheduler flag bits → names, as ipvsadm -S prints them; a bit the scheduler does not name is refused. */
function schedulerFlagsOf(bits: number, scheduler: Scheduler): { flags: SchedulerFlag[]; refused?: string } {
  const named = FLAGS_OF_SCHEDULER[scheduler] ?? [];
  const flags: SchedulerFlag[] = [];
  const numbered: Array<[number, string]> = [[SVC_F.SCHED1, 'flag-1'], [SVC_F.SCHED2, 'flag-2'], [SVC_F.SCHED3, 'flag-3']];
  for (const [index, [bit, number]] of numbered.entries()) {
    if ((bits & bit) === 0) continue;
    const flag = named[index];
    if (flag === undefined) {
      return { flags, refused: `scheduler flag "${number}" is not one scheduler ${scheduler} takes (${named.join(', ') || 'it takes none'})` };
    }
    flags.push(flag);
  }
  return { flags };
}

function netmaskText(raw: Buffer | undefined, af: number): string | undefined {
  if (raw === undefined) return undefined;
  return af === AF_INET6 ? String(readU32(raw, 'service netmask')) : formatAddress(raw.subarray(0, 4));
}

/** The attributes of one IPVS_CMD_ATTR_SERVICE nest (a dumped NEW_SERVICE message's body). */
export function decodeService(body: Buffer): DumpedService {
  const top = parseAttrs(body);
  const attrs = parseAttrs(required(top, IPVS_CMD_ATTR.SERVICE, 'IPVS_CMD_ATTR_SERVICE'));
  const af = readU16(required(attrs, IPVS_SVC_ATTR.AF, 'service address family'), 'service AF');
  if (af !== AF_INET && af !== AF_INET6) throw new NetlinkFormatError(`service address family ${af} (expected ${AF_INET} or ${AF_INET6})`);
  const fwmarkRaw = attrs.get(IPVS_SVC_ATTR.FWMARK);
  const fwmark = fwmarkRaw ? readU32(fwmarkRaw, 'service fwmark') : 0;
  let key: ServiceKey | undefined;
  let name: string;
  let unreadable: string | undefined;
  if (fwmark !== 0) {
    key = { kind: 'fwmark', mark: fwmark, family: af === AF_INET6 ? 'inet6' : 'inet' };
    name = serviceKeyArgs(key);
  } else {
    const protocol = readU16(required(attrs, IPVS_SVC_ATTR.PROTOCOL, 'service protocol'), 'service protocol');
    const vip = familyAddress(required(attrs, IPVS_SVC_ATTR.ADDR, 'service address'), af);
    const port = readBe16(required(attrs, IPVS_SVC_ATTR.PORT, 'service port'), 'service port');
    if (protocol === IPPROTO_TCP || protocol === IPPROTO_UDP) {
      key = { kind: protocol === IPPROTO_TCP ? 'tcp' : 'udp', vip, port };
      name = serviceKeyArgs(key);
    } else {
      name = protocol === IPPROTO_SCTP ? `--sctp-service ${formatAddressPort(vip, port)}` : `protocol ${protocol} ${formatAddressPort(vip, port)}`;
      unreadable = protocol === IPPROTO_SCTP
        ? `an SCTP service (${name}): lvsctl manages TCP, UDP and fwmark services only`
        : `IP protocol ${protocol}: lvsctl manages TCP, UDP and fwmark services only`;
    }
  }
  const schedulerName = readString(required(attrs, IPVS_SVC_ATTR.SCHED_NAME, 'service scheduler'));
  const flagsRaw = required(attrs, IPVS_SVC_ATTR.FLAGS, 'service flags');
  const bits = readU32(flagsRaw, 'service flags');
  const timeout = readU32(required(attrs, IPVS_SVC_ATTR.TIMEOUT, 'service timeout'), 'service timeout');
  const netmask = netmaskText(attrs.get(IPVS_SVC_ATTR.NETMASK), af);
  const peRaw = attrs.get(IPVS_SVC_ATTR.PE_NAME);
  const pe = peRaw ? readString(peRaw) : '';
  const stats = countersOf(attrs, IPVS_SVC_ATTR.STATS64, IPVS_SVC_ATTR.STATS);

  const persistent = (bits & SVC_F.PERSISTENT) !== 0;
  const line = [
    `-A ${name} -s ${schedulerName}`,
    persistent ? ` -p ${timeout}` : '',
    persistent && netmask !== undefined && key !== undefined && !isDefaultNetmask(key, netmask) ? ` -M ${netmask}` : '',
    (bits & SVC_F.ONEPACKET) !== 0 ? ' -o' : '',
    pe !== '' ? ` --pe ${pe}` : '',
  ].join('');
  const common = { ...(key ? { key } : {}), name, line, ...(stats ? { stats } : {}) };
  if (unreadable !== undefined || key === undefined) return { ...common, reason: unreadable ?? 'no service key' };
  if (!(SCHEDULERS as readonly string[]).includes(schedulerName)) {
    return { ...common, reason: `unknown scheduler "${schedulerName}" (one of ${SCHEDULERS.join(' ')})` };
  }
  const scheduler = schedulerName as Scheduler;
  const { flags, refused } = schedulerFlagsOf(bits, scheduler);
  const keptMask = netmask !== undefined && !isDefaultNetmask(key, netmask) ? netmask : undefined;
  const service: VirtualService = {
    key,
    scheduler,
    flags,
    ...(persistent ? { persistence: { timeout, ...(keptMask !== undefined ? { netmask: keptMask } : {}) } } : {}),
  };
  // in the order ipvsadm -S prints them, so the first refusal is the one the ipvsadm backend reports
  const reason = refused
    ?? ((bits & SVC_F.ONEPACKET) !== 0 ? 'one-packet scheduling (-o), which lvsctl does not manage' : undefined)
    ?? (pe !== '' ? `a persistence engine (--pe ${pe}), which lvsctl does not manage` : undefined);
  if (reason !== undefined) return { ...common, reason, listed: service };
  return { ...common, service, listed: service };
}

function forwardingOf(method: number): Forwarding | undefined {
  switch (method & FWD.MASK) {
    case FWD.MASQ: return 'nat';
    case FWD.TUNNEL: return 'tun';
    // ipvsadm -S writes a local destination as -g too
    case FWD.LOCALNODE: case FWD.DROUTE: return 'dr';
    default: return undefined;
  }
}

/** The attributes of one IPVS_CMD_ATTR_DEST nest (a dumped NEW_DEST message's body). */
export function decodeDestination(body: Buffer, service: DumpedService, serviceAf: number): DumpedDestination {
  const top = parseAttrs(body);
  const attrs = parseAttrs(required(top, IPVS_CMD_ATTR.DEST, 'IPVS_CMD_ATTR_DEST'));
  const afRaw = attrs.get(IPVS_DEST_ATTR.ADDR_FAMILY);
  const af = afRaw ? readU16(afRaw, 'destination address family') : serviceAf;
  const address = familyAddress(required(attrs, IPVS_DEST_ATTR.ADDR, 'destination address'), af);
  const port = readBe16(required(attrs, IPVS_DEST_ATTR.PORT, 'destination port'), 'destination port');
  const method = readU32(required(attrs, IPVS_DEST_ATTR.FWD_METHOD, 'destination forwarding method'), 'destination forwarding method');
  const forwarding = forwardingOf(method);
  if (forwarding === undefined) throw new NetlinkFormatError(`destination ${formatAddressPort(address, port)}: forwarding method ${method & FWD.MASK}`);
  const weight = readU32(required(attrs, IPVS_DEST_ATTR.WEIGHT, 'destination weight'), 'destination weight');
  const count = (type: number, what: string): number => {
    const v = attrs.get(type);
    return v === undefined ? 0 : readU32(v, what);
  };
  const tunRaw = attrs.get(IPVS_DEST_ATTR.TUN_TYPE);
  const tunType = forwarding === 'tun' && tunRaw ? readU8(tunRaw, 'destination tunnel type') : 0;
  const tunName = TUNNEL_TYPES[tunType] ?? `type ${tunType}`;
  const tunPort = attrs.get(IPVS_DEST_ATTR.TUN_PORT);
  const tunFlags = attrs.get(IPVS_DEST_ATTR.TUN_FLAGS);
  // as ipvsadm -S prints a GUE/GRE destination: the port for GUE, the checksum option for both
  const tunDetail = tunType === 0 ? '' : [
    tunName === 'gue' && tunPort ? ` --tun-port ${readBe16(tunPort, 'destination tunnel port')}` : '',
    tunFlags ? ` ${TUNNEL_CSUM_OPTIONS[readU16(tunFlags, 'destination tunnel flags')] ?? ''}` : '',
  ].join('').trimEnd();
  const destination: Destination = { address, port, weight, forwarding };
  const stats = countersOf(attrs, IPVS_DEST_ATTR.STATS64, IPVS_DEST_ATTR.STATS);
  const line = `-a ${service.name} -r ${formatAddressPort(address, port)} ${FORWARDING_SWITCH[forwarding]} -w ${weight}${forwarding === 'tun' ? ` --tun-type ${tunName}${tunDetail}` : ''}`;
  return {
    destination,
    line,
    ...(tunType !== 0 ? { reason: `tunnel type "${tunName}" is not one lvsctl manages (only ipip, ipvsadm's -i)` } : {}),
    activeConnections: count(IPVS_DEST_ATTR.ACTIVE_CONNS, 'destination active connections'),
    inactiveConnections: count(IPVS_DEST_ATTR.INACT_CONNS, 'destination inactive connections'),
    ...(stats ? { stats } : {}),
  };
}

/** The address family a dumped service was keyed by (its destinations default to it). */
export function serviceFamilyOf(body: Buffer): number {
  const attrs = parseAttrs(required(parseAttrs(body), IPVS_CMD_ATTR.SERVICE, 'IPVS_CMD_ATTR_SERVICE'));
  return readU16(required(attrs, IPVS_SVC_ATTR.AF, 'service address family'), 'service AF');
}
