// Wire enum names ↔ domain values, one table per enum, used in both directions.
import type { ApplyMode, ApplyOutcome, StepStatus } from '../apply-events';
import type { AddressFamily, Forwarding, Protocol } from '../model';
import type { HealthCheckType } from '../health/check-options';

export type AgentRole = 'director' | 'realserver';

export const ROLE = { ROLE_DIRECTOR: 'director', ROLE_REALSERVER: 'realserver' } as const satisfies Record<string, AgentRole>;
export const PROTOCOL = { PROTOCOL_TCP: 'tcp', PROTOCOL_UDP: 'udp' } as const satisfies Record<string, Protocol>;
export const ADDRESS_FAMILY = {
  ADDRESS_FAMILY_INET: 'inet',
  ADDRESS_FAMILY_INET6: 'inet6',
} as const satisfies Record<string, AddressFamily>;
export const FORWARDING = {
  FORWARDING_DR: 'dr',
  FORWARDING_NAT: 'nat',
  FORWARDING_TUN: 'tun',
} as const satisfies Record<string, Forwarding>;
export const HEALTH_CHECK_TYPE = {
  HEALTH_CHECK_TYPE_TCP: 'tcp',
  HEALTH_CHECK_TYPE_HTTP: 'http',
  HEALTH_CHECK_TYPE_HTTPS: 'https',
  HEALTH_CHECK_TYPE_UDP: 'udp',
  HEALTH_CHECK_TYPE_DNS: 'dns',
  HEALTH_CHECK_TYPE_EXEC: 'exec',
} as const satisfies Record<string, HealthCheckType>;
export const FTP_SERVER_KIND = {
  FTP_SERVER_KIND_VSFTPD: 'vsftpd',
  FTP_SERVER_KIND_PURE_FTPD: 'pure-ftpd',
} as const satisfies Record<string, 'vsftpd' | 'pure-ftpd'>;
export const APPLY_MODE = { APPLY_MODE_CHECK: 'check', APPLY_MODE_APPLY: 'apply' } as const satisfies Record<string, ApplyMode>;
export const STEP_STATUS = {
  STEP_STATUS_OK: 'ok',
  STEP_STATUS_CHANGED: 'changed',
  STEP_STATUS_FAILED: 'failed',
  STEP_STATUS_SKIPPED: 'skipped',
} as const satisfies Record<string, StepStatus>;
export const DIFF_SUBJECT = {
  DIFF_SUBJECT_IPVS: 'ipvs',
  DIFF_SUBJECT_MARKS: 'marks',
  DIFF_SUBJECT_REALSERVER: 'realserver',
} as const satisfies Record<string, 'ipvs' | 'marks' | 'realserver'>;
export const APPLY_OUTCOME = {
  APPLY_OUTCOME_OK: 'ok',
  APPLY_OUTCOME_CHANGED: 'changed',
  APPLY_OUTCOME_FAILED: 'failed',
} as const satisfies Record<string, ApplyOutcome>;

/** The wire name of a domain value: wireName(PROTOCOL, 'tcp') === 'PROTOCOL_TCP'. */
export function wireName<K extends string, V extends string>(table: Readonly<Record<K, V>>, value: V): K {
  for (const [name, v] of Object.entries(table) as [K, V][]) {
    if (v === value) return name;
  }
  throw new Error(`no wire name for ${JSON.stringify(value)}`);
}
