// The ARP and reverse-path sysctls DR and TUN realservers need. For each of them the
// kernel uses the larger of net.ipv4.conf.all.X and net.ipv4.conf.<device>.X, so a key
// passes when its own value is acceptable or when the pair's maximum is.
//   arp_ignore: 1 or 2 accepted (both stop replies for the VIP held on lo/tunl0); 0, 3
//     and 8 are not (0 and 3 answer for it, 8 stops all ARP replies). prepare sets 1.
//   arp_announce: 2 only (never use the VIP as the ARP source address).
//   rp_filter (TUN, all and tunl0): 0 or 2 (loose: the client is reachable by the default
//     route) accepted; 1 (strict) drops decapsulated packets. prepare sets 0.
import { someNames } from '../../lvs/some-names';
import { ipv4ConfKey, type Ipv4ConfSetting, type SysctlKey } from '../kernel/sysctl';
import type { RealserverPlan } from '../../lvs/host-plan';
import type { CheckResult, Remedy } from './check-result';

export const TUNNEL_DEVICE = 'tunl0';

interface SettingRule {
  setting: Ipv4ConfSetting;
  desired: number;
  accepted: readonly number[];
  why: (vips: string) => string;
}

const ARP_IGNORE: SettingRule = {
  setting: 'arp_ignore', desired: 1, accepted: [1, 2],
  why: (vips) => `so the realserver does not answer ARP for the VIP ${vips}`,
};
const ARP_ANNOUNCE: SettingRule = {
  setting: 'arp_announce', desired: 2, accepted: [2],
  why: (vips) => `so the realserver never uses the VIP ${vips} as the source of its ARP requests`,
};
const RP_FILTER: SettingRule = {
  setting: 'rp_filter', desired: 0, accepted: [0, 2],
  why: (vips) => `(or 2, loose) so packets for the VIP ${vips} arriving on ${TUNNEL_DEVICE} pass reverse-path filtering`,
};

function ipv4Vips(plan: RealserverPlan, methods: ReadonlyArray<'dr' | 'tun'>): string[] {
  const vips = plan.duties.filter((d) => (methods as readonly string[]).includes(d.forwarding)).flatMap((d) => d.vips);
  return [...new Set(vips.filter((v) => !v.includes(':')))];
}

function methodLabel(plan: RealserverPlan): string {
  const methods = new Set(plan.duties.map((d) => d.forwarding));
  return [methods.has('dr') ? 'LVS-DR' : '', methods.has('tun') ? 'LVS-TUN' : ''].filter(Boolean).join(' and ');
}

/** Every key the checks look at, so they are read in one go. */
export function sysctlKeysToRead(plan: RealserverPlan, facing: string | undefined): SysctlKey[] {
  const keys: SysctlKey[] = [];
  if (ipv4Vips(plan, ['dr', 'tun']).length > 0) {
    for (const rule of [ARP_IGNORE, ARP_ANNOUNCE]) {
      for (const dev of ['all', ...(facing ? [facing] : []), 'lo']) keys.push(ipv4ConfKey(dev, rule.setting));
    }
  }
  if (ipv4Vips(plan, ['tun']).length > 0) {
    keys.push(ipv4ConfKey('all', 'rp_filter'), ipv4ConfKey(TUNNEL_DEVICE, 'rp_filter'));
  }
  return [...new Set(keys)];
}

export function sysctlChecks(plan: RealserverPlan, values: ReadonlyMap<SysctlKey, string | undefined>, facing: string | undefined): CheckResult[] {
  const results: CheckResult[] = [];
  const arpVips = ipv4Vips(plan, ['dr', 'tun']);
  if (arpVips.length > 0) {
    const label = methodLabel(plan);
    for (const rule of [ARP_IGNORE, ARP_ANNOUNCE]) {
      // lo rides along with "all" in prepare mode, as the LVS HOWTO sets it, so it is owned and undone together.
      const lo = ipv4ConfKey('lo', rule.setting);
      const loRemedy: Remedy[] = values.get(lo) !== undefined && !rule.accepted.includes(Number(values.get(lo)))
        ? [{ kind: 'sysctl', key: lo, value: String(rule.desired) }]
        : [];
      // a few VIPs named, not 10,000: the message goes to the operator and into the self-report history
      results.push(keyCheck(rule, 'all', facing, values, label, someNames(arpVips), loRemedy));
      if (facing) results.push(keyCheck(rule, facing, 'all', values, label, someNames(arpVips), []));
    }
  }
  const tunVips = ipv4Vips(plan, ['tun']);
  if (tunVips.length > 0) {
    results.push(keyCheck(RP_FILTER, 'all', TUNNEL_DEVICE, values, 'LVS-TUN', someNames(tunVips), []));
    results.push(keyCheck(RP_FILTER, TUNNEL_DEVICE, 'all', values, 'LVS-TUN', someNames(tunVips), []));
  }
  return results;
}

function keyCheck(
  rule: SettingRule,
  device: string,
  partnerDevice: string | undefined,
  values: ReadonlyMap<SysctlKey, string | undefined>,
  label: string,
  vips: string,
  extraRemedies: Remedy[],
): CheckResult {
  const key = ipv4ConfKey(device, rule.setting);
  const base = { action: `check-${rule.setting}`, target: key };
  const set: Remedy = { kind: 'sysctl', key, value: String(rule.desired) };
  const raw = values.get(key);
  if (raw === undefined) {
    const tunnel = device === TUNNEL_DEVICE;
    const remedies: Remedy[] = tunnel ? [{ kind: 'ipip-module' }, set] : [set];
    return {
      ...base,
      status: 'failed',
      message: `${key} cannot be read: there is no device ${device}${tunnel ? ' (the ipip module is not loaded)' : ''}`,
      fix: tunnel ? `modprobe ipip && sysctl -w ${key}=${rule.desired}` : `sysctl -w ${key}=${rule.desired}`,
      remedies,
    };
  }
  const own = /^\d+$/.test(raw) ? Number(raw) : NaN;
  const partnerKey = partnerDevice ? ipv4ConfKey(partnerDevice, rule.setting) : undefined;
  const partnerRaw = partnerKey ? values.get(partnerKey) : undefined;
  const partner = partnerRaw !== undefined && /^\d+$/.test(partnerRaw) ? Number(partnerRaw) : undefined;
  const effective = partner === undefined ? own : Math.max(own, partner);
  if (rule.accepted.includes(own)) return { ...base, status: 'ok', message: `${key} is ${own}` };
  if (partner !== undefined && rule.accepted.includes(effective)) {
    return {
      ...base,
      status: 'ok',
      message: `${key} is ${own}, but the kernel uses the larger of it and ${partnerKey}=${partner}: ${effective}`,
    };
  }
  return {
    ...base,
    status: 'failed',
    message: `${key} is ${raw}, ${label} needs ${rule.desired} ${rule.why(vips)}`,
    fix: `sysctl -w ${key}=${rule.desired}`,
    remedies: [set, ...extraRemedies],
  };
}
