// HealthReport in both directions: the agent encodes its report; the controller decodes
// what arrives, bounded and checked, and refuses anything malformed.
import { vrrpStatusFromWire, vrrpStatusToWire } from './vrrp-codec';
import type { HealthState } from '../health/types';
import type { AgentHealthReport, HealthEventRecord, HealthRow, SelfCheckRecord } from '../health/report';
import type { HealthReport as WireHealthReport, HealthReport__Output } from '../../proto/generated/lvsctl/v1/HealthReport';
import type { HealthEvent__Output } from '../../proto/generated/lvsctl/v1/HealthEvent';
import type { SelfCheck__Output } from '../../proto/generated/lvsctl/v1/SelfCheck';
import type { TargetHealth__Output } from '../../proto/generated/lvsctl/v1/TargetHealth';
import type { ServiceKey__Output } from '../../proto/generated/lvsctl/v1/ServiceKey';
import { at, bool, boundedList, boundedString, enumValue, fail, intIn, optionalString, present, safeIntegerFromString, type FieldPath } from './checks';
import { ROLE, wireName } from './enum-names';
import { serviceKey } from './host-plan-decode';
import { serviceKeyToWire } from './host-plan-encode';
import { LIMITS } from './limits';

export const HEALTH_STATE = {
  HEALTH_STATE_UNKNOWN: 'unknown',
  HEALTH_STATE_UP: 'up',
  HEALTH_STATE_DOWN: 'down',
} as const satisfies Record<string, HealthState>;
export const HEALTH_EVENT_KIND = {
  HEALTH_EVENT_KIND_TRANSITION: 'transition',
  HEALTH_EVENT_KIND_KEPT_LAST: 'kept-last',
  HEALTH_EVENT_KIND_RELEASED: 'released',
  HEALTH_EVENT_KIND_WEIGHT_FAILED: 'weight-failed',
  HEALTH_EVENT_KIND_SELF_CHECK: 'self-check',
} as const satisfies Record<string, HealthEventRecord['kind']>;
export const SELF_CHECK_STATUS = {
  SELF_CHECK_STATUS_OK: 'ok',
  SELF_CHECK_STATUS_FAILED: 'failed',
  SELF_CHECK_STATUS_SKIPPED: 'skipped',
} as const satisfies Record<string, SelfCheckRecord['status']>;

/** Bounds of one report: the history's size, and far above any plan's targets. */
export const HEALTH_LIMITS = { targets: 200_000, events: 1_000, selfChecks: 10_000 } as const;

/**
 * A realserver's checks as a report holds them: all of them up to HEALTH_LIMITS.selfChecks,
 * else the failed and skipped ones first (in their order), then ok ones up to the bound, and
 * a note of how many were left out. A realserver in 10,000 DR services makes 30,000 checks,
 * which a controller would refuse whole.
 */
export function selfChecksWithin(checks: readonly SelfCheckRecord[], limit: number = HEALTH_LIMITS.selfChecks): { listed: SelfCheckRecord[]; note?: string } {
  if (checks.length <= limit) return { listed: [...checks] };
  const notOk = checks.filter((c) => c.status !== 'ok');
  const listed = [...notOk, ...checks.filter((c) => c.status === 'ok')].slice(0, limit);
  const failedLeft = Math.max(0, notOk.length - limit);
  const left = checks.length - listed.length;
  const what = failedLeft > 0 ? `${failedLeft} of them not ok` : 'all ok';
  return { listed, note: `${left} more self-checks not listed (${what}): a report lists at most ${limit}` };
}

export function healthReportToWire(report: AgentHealthReport): WireHealthReport {
  const selfChecks = selfChecksWithin(report.selfChecks);
  const note = [report.note, selfChecks.note].filter((n) => n !== undefined && n !== '').join('; ');
  return {
    ...(report.vrrp ? { vrrp: vrrpStatusToWire(report.vrrp) } : {}),
    host: report.host,
    role: wireName(ROLE, report.role),
    at: report.at.toISOString(),
    targets: report.targets.map((t) => ({
      service: t.service,
      serviceKey: serviceKeyToWire(t.serviceKey),
      host: t.host,
      address: t.address,
      checked: t.checked,
      state: wireName(HEALTH_STATE, t.state),
      planWeight: t.plannedWeight,
      currentWeight: t.currentWeight,
      keptLast: t.keptLast,
      lastCheckAt: t.lastCheckAt?.toISOString() ?? '',
      latencyMs: t.lastLatencyMs ?? 0,
      reason: t.reason,
      kernelKnown: t.kernel !== undefined,
      kernelWeight: t.kernel?.weight ?? 0,
      activeConnections: String(t.kernel?.activeConnections ?? 0),
      inactiveConnections: String(t.kernel?.inactiveConnections ?? 0),
    })),
    events: report.events.slice(-HEALTH_LIMITS.events).map((e) => ({
      at: e.at.toISOString(),
      kind: wireName(HEALTH_EVENT_KIND, e.kind),
      service: e.service ?? '',
      host: e.host ?? '',
      address: e.address ?? '',
      from: e.from ? wireName(HEALTH_STATE, e.from) : 'HEALTH_STATE_UNSPECIFIED',
      to: e.to ? wireName(HEALTH_STATE, e.to) : 'HEALTH_STATE_UNSPECIFIED',
      message: e.message,
    })),
    selfChecks: selfChecks.listed.map((c) => ({
      action: c.action, target: c.target, status: wireName(SELF_CHECK_STATUS, c.status), message: c.message, fix: c.fix ?? '',
    })),
    selfCheckedAt: report.selfCheckedAt?.toISOString() ?? '',
    heartbeat: report.heartbeat,
    note,
  };
}

const TEXT = { max: LIMITS.eventText, min: 0 };
const NAME = { max: LIMITS.hostName, min: 0 };

function time(value: unknown, path: FieldPath): Date {
  const text = boundedString(value, path, { max: 40 });
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) fail(path, `must be an RFC 3339 time, got ${JSON.stringify(text)}`);
  return date;
}

function optionalTime(value: unknown, path: FieldPath): Date | undefined {
  return value === '' || value === undefined || value === null ? undefined : time(value, path);
}

function optionalState(value: unknown, path: FieldPath): HealthState | undefined {
  return value === 'HEALTH_STATE_UNSPECIFIED' || value === undefined ? undefined : enumValue(value, HEALTH_STATE, path);
}

function rowFromWire(w: TargetHealth__Output, path: FieldPath): HealthRow {
  const lastCheckAt = optionalTime(w.lastCheckAt, at(path, 'lastCheckAt'));
  const latency = typeof w.latencyMs === 'number' && Number.isFinite(w.latencyMs) && w.latencyMs >= 0 ? w.latencyMs : fail(at(path, 'latencyMs'), 'must be a number >= 0');
  return {
    service: boundedString(w.service, at(path, 'service'), { max: LIMITS.name }),
    serviceKey: serviceKey(present(w.serviceKey as ServiceKey__Output | null, at(path, 'serviceKey'), 'the service\'s kernel identity'), at(path, 'serviceKey')),
    host: boundedString(w.host, at(path, 'host'), { max: LIMITS.hostName }),
    address: boundedString(w.address, at(path, 'address'), { max: 64 }),
    checked: bool(w.checked, at(path, 'checked')),
    state: enumValue(w.state, HEALTH_STATE, at(path, 'state')),
    plannedWeight: intIn(w.planWeight, 0, 65535, at(path, 'planWeight')),
    currentWeight: intIn(w.currentWeight, 0, 65535, at(path, 'currentWeight')),
    keptLast: bool(w.keptLast, at(path, 'keptLast')),
    reason: boundedString(w.reason, at(path, 'reason'), TEXT),
    ...(lastCheckAt ? { lastCheckAt, lastLatencyMs: latency } : {}),
    ...(w.kernelKnown
      ? { kernel: {
        weight: intIn(w.kernelWeight, 0, 65535, at(path, 'kernelWeight')),
        activeConnections: safeIntegerFromString(w.activeConnections, at(path, 'activeConnections')),
        inactiveConnections: safeIntegerFromString(w.inactiveConnections, at(path, 'inactiveConnections')),
      } }
      : {}),
  };
}

function eventFromWire(w: HealthEvent__Output, path: FieldPath): HealthEventRecord {
  const opt = (value: unknown, field: string) => optionalString(value, at(path, field), NAME);
  const service = opt(w.service, 'service');
  const host = opt(w.host, 'host');
  const address = opt(w.address, 'address');
  const from = optionalState(w.from, at(path, 'from'));
  const to = optionalState(w.to, at(path, 'to'));
  return {
    at: time(w.at, at(path, 'at')),
    kind: enumValue(w.kind, HEALTH_EVENT_KIND, at(path, 'kind')),
    ...(service ? { service } : {}), ...(host ? { host } : {}), ...(address ? { address } : {}),
    ...(from ? { from } : {}), ...(to ? { to } : {}),
    message: boundedString(w.message, at(path, 'message'), TEXT),
  };
}

function selfCheckFromWire(w: SelfCheck__Output, path: FieldPath): SelfCheckRecord {
  const fix = optionalString(w.fix, at(path, 'fix'), TEXT);
  return {
    action: boundedString(w.action, at(path, 'action'), TEXT),
    target: boundedString(w.target, at(path, 'target'), TEXT),
    status: enumValue(w.status, SELF_CHECK_STATUS, at(path, 'status')),
    message: boundedString(w.message, at(path, 'message'), TEXT),
    ...(fix ? { fix } : {}),
  };
}

export function healthReportFromWire(w: HealthReport__Output): AgentHealthReport {
  const selfCheckedAt = optionalTime(w.selfCheckedAt, 'selfCheckedAt');
  const note = optionalString(w.note, 'note', TEXT);
  return {
    host: boundedString(w.host, 'host', { max: LIMITS.hostName }),
    role: enumValue(w.role, ROLE, 'role'),
    at: time(w.at, 'at'),
    targets: boundedList(w.targets, 'targets', HEALTH_LIMITS.targets).map((t, i) => rowFromWire(t as TargetHealth__Output, at('targets', i))),
    events: boundedList(w.events, 'events', HEALTH_LIMITS.events).map((e, i) => eventFromWire(e as HealthEvent__Output, at('events', i))),
    selfChecks: boundedList(w.selfChecks, 'selfChecks', HEALTH_LIMITS.selfChecks).map((c, i) => selfCheckFromWire(c as SelfCheck__Output, at('selfChecks', i))),
    ...(selfCheckedAt ? { selfCheckedAt } : {}),
    heartbeat: bool(w.heartbeat, 'heartbeat'),
    ...(note ? { note } : {}),
    ...(w.vrrp ? { vrrp: vrrpStatusFromWire(w.vrrp) } : {}),
  };
}
