// The health check's per-type options (lvs/health/check-options.ts) on the wire, both ways.
// Decoding is the agent's edge: every string is bounded, regexes must compile, hex must be
// hex, an exec command must be an absolute path; options of another type are refused.
import {
  CHECK_DURATION_BOUNDS_MS, DIGEST_ALGORITHMS, DNS_RECORD_TYPES,
  type DnsCheckOptions, type ExecCheckOptions, type HealthCheckExtras, type HealthCheckType, type HttpCheckOptions,
  type TlsCheckOptions, type UdpCheckOptions,
} from '../health/check-options';
import type { HealthCheckSpec as WireHealthCheckSpec, HealthCheckSpec__Output } from '../../proto/generated/lvsctl/v1/HealthCheckSpec';
import { at, bool, boundedList, boundedString, fail, intIn, oneOf, optionalString, type FieldPath } from './checks';

export const CHECK_LIMITS = {
  text: 1_024,
  hex: 2 * 1_400,
  dnsName: 253,
  expectations: 32,
  statuses: 500,
  execArgs: 64,
  execArg: 4_096,
  path: 4_096,
} as const;

const MAX_MS = CHECK_DURATION_BOUNDS_MS.max;
const HEX = { max: CHECK_LIMITS.hex, min: 0, pattern: /^(?:[0-9a-f]{2})*$/, shape: 'lower-case hex, two digits a byte' };
const TEXT = { max: CHECK_LIMITS.text };
const HOST = { max: 253, pattern: /^[A-Za-z0-9.:_[\]-]+$/, shape: 'a host name or address, with an optional :port' };
const DNS_NAME = { max: CHECK_LIMITS.dnsName, pattern: /^[A-Za-z0-9_.*-]+\.?$|^\.$/, shape: 'a domain name such as "www.example.com"' };
const FILE = { max: CHECK_LIMITS.path, pattern: /^\//, shape: 'an absolute path' };

export function healthExtrasToWire(e: HealthCheckExtras): Partial<WireHealthCheckSpec> {
  return {
    connectTimeoutMs: e.connectTimeoutMs ?? 0,
    readTimeoutMs: e.readTimeoutMs ?? 0,
    ...(e.http ? { http: {
      hostHeader: e.http.hostHeader ?? '',
      statuses: [...(e.http.statuses ?? [])],
      bodyRegex: e.http.bodyRegex ?? '',
      digestAlgorithm: e.http.bodyDigest?.algorithm ?? '',
      digestHex: e.http.bodyDigest?.hex ?? '',
    } } : {}),
    ...(e.tls ? { tls: { verify: e.tls.verify, caFile: e.tls.caFile ?? '', serverName: e.tls.serverName ?? '' } } : {}),
    ...(e.udp ? { udp: { sendHex: e.udp.sendHex, expectHex: e.udp.expectHex ?? '', expectRegex: e.udp.expectRegex ?? '' } } : {}),
    ...(e.dns ? { dns: { name: e.dns.name, recordType: e.dns.recordType, expect: [...(e.dns.expect ?? [])] } } : {}),
    ...(e.exec ? { exec: {
      command: e.exec.command,
      args: [...e.exec.args],
      hasUid: e.exec.uid !== undefined, uid: e.exec.uid ?? 0,
      hasGid: e.exec.gid !== undefined, gid: e.exec.gid ?? 0,
    } } : {}),
  };
}

function regex(value: unknown, path: FieldPath): string | undefined {
  const text = optionalString(value, path, TEXT);
  if (text === undefined) return undefined;
  try {
    new RegExp(text);
  } catch (err) {
    fail(path, `is not a valid regular expression: ${(err as Error).message}`);
  }
  return text;
}

function refuse(present: unknown, path: FieldPath, type: HealthCheckType, owners: string): void {
  if (present) fail(path, `applies to ${owners} checks only, not to a "${type}" check`);
}

function httpOptions(w: NonNullable<HealthCheckSpec__Output['http']>, path: FieldPath): HttpCheckOptions {
  const hostHeader = optionalString(w.hostHeader, at(path, 'hostHeader'), HOST);
  const statuses = boundedList(w.statuses, at(path, 'statuses'), CHECK_LIMITS.statuses)
    .map((s, i) => intIn(s, 100, 599, at(at(path, 'statuses'), i)));
  const bodyRegex = regex(w.bodyRegex, at(path, 'bodyRegex'));
  const algorithm = w.digestAlgorithm ? oneOf(w.digestAlgorithm, DIGEST_ALGORITHMS, at(path, 'digestAlgorithm')) : undefined;
  let bodyDigest: HttpCheckOptions['bodyDigest'];
  if (algorithm) {
    const hex = boundedString(w.digestHex, at(path, 'digestHex'), { max: 64, pattern: /^[0-9a-f]+$/, shape: 'lower-case hex' });
    const want = algorithm === 'md5' ? 32 : 64;
    if (hex.length !== want) fail(at(path, 'digestHex'), `an ${algorithm} digest has ${want} hex digits (has ${hex.length})`);
    bodyDigest = { algorithm, hex };
  } else if (w.digestHex) {
    fail(at(path, 'digestAlgorithm'), 'is missing: the digest\'s algorithm, "md5" or "sha256"');
  }
  return {
    ...(hostHeader ? { hostHeader } : {}),
    ...(statuses.length > 0 ? { statuses } : {}),
    ...(bodyRegex ? { bodyRegex } : {}),
    ...(bodyDigest ? { bodyDigest } : {}),
  };
}

function tlsOptions(w: NonNullable<HealthCheckSpec__Output['tls']>, path: FieldPath): TlsCheckOptions {
  const caFile = optionalString(w.caFile, at(path, 'caFile'), FILE);
  const serverName = optionalString(w.serverName, at(path, 'serverName'), DNS_NAME);
  return { verify: bool(w.verify, at(path, 'verify')), ...(caFile ? { caFile } : {}), ...(serverName ? { serverName } : {}) };
}

function udpOptions(w: NonNullable<HealthCheckSpec__Output['udp']>, path: FieldPath): UdpCheckOptions {
  const sendHex = boundedString(w.sendHex ?? '', at(path, 'sendHex'), HEX);
  const expectHex = optionalString(w.expectHex, at(path, 'expectHex'), HEX);
  const expectRegex = regex(w.expectRegex, at(path, 'expectRegex'));
  return { sendHex, ...(expectHex ? { expectHex } : {}), ...(expectRegex ? { expectRegex } : {}) };
}

function dnsOptions(w: NonNullable<HealthCheckSpec__Output['dns']>, path: FieldPath): DnsCheckOptions {
  const expect = boundedList(w.expect, at(path, 'expect'), CHECK_LIMITS.expectations)
    .map((e, i) => boundedString(e, at(at(path, 'expect'), i), TEXT));
  return {
    name: boundedString(w.name, at(path, 'name'), DNS_NAME),
    recordType: oneOf(w.recordType, DNS_RECORD_TYPES, at(path, 'recordType')),
    ...(expect.length > 0 ? { expect } : {}),
  };
}

function execOptions(w: NonNullable<HealthCheckSpec__Output['exec']>, path: FieldPath): ExecCheckOptions {
  const command = boundedString(w.command, at(path, 'command'), { max: CHECK_LIMITS.path, pattern: /^\/[^\0]*$/, shape: 'an absolute path such as "/usr/local/bin/check-db"' });
  const args = boundedList(w.args, at(path, 'args'), CHECK_LIMITS.execArgs)
    .map((a, i) => boundedString(a, at(at(path, 'args'), i), { max: CHECK_LIMITS.execArg, min: 0 }));
  return {
    command,
    args,
    ...(w.hasUid ? { uid: intIn(w.uid, 0, 2 ** 31 - 1, at(path, 'uid')) } : {}),
    ...(w.hasGid ? { gid: intIn(w.gid, 0, 2 ** 31 - 1, at(path, 'gid')) } : {}),
  };
}

/** The options of a check of `type`; options that belong to another type are an error. */
export function healthExtrasFromWire(w: HealthCheckSpec__Output, type: HealthCheckType, path: FieldPath): HealthCheckExtras {
  const connectTimeoutMs = intIn(w.connectTimeoutMs ?? 0, 0, MAX_MS, at(path, 'connectTimeoutMs'));
  const readTimeoutMs = intIn(w.readTimeoutMs ?? 0, 0, MAX_MS, at(path, 'readTimeoutMs'));
  const web = type === 'http' || type === 'https';
  if (!web) refuse(w.http, at(path, 'http'), type, 'http and https');
  if (type !== 'https') refuse(w.tls, at(path, 'tls'), type, 'https');
  if (type !== 'udp') refuse(w.udp, at(path, 'udp'), type, 'udp');
  if (type !== 'dns') refuse(w.dns, at(path, 'dns'), type, 'dns');
  if (type !== 'exec') refuse(w.exec, at(path, 'exec'), type, 'exec');
  if (type === 'dns' && !w.dns) fail(at(path, 'dns'), 'is missing: the name and record type to ask for');
  if (type === 'exec' && !w.exec) fail(at(path, 'exec'), 'is missing: the command to run');
  return {
    ...(connectTimeoutMs ? { connectTimeoutMs } : {}),
    ...(readTimeoutMs ? { readTimeoutMs } : {}),
    ...(web && w.http ? { http: httpOptions(w.http, at(path, 'http')) } : {}),
    ...(type === 'https' ? { tls: w.tls ? tlsOptions(w.tls, at(path, 'tls')) : { verify: false } } : {}),
    ...(type === 'udp' ? { udp: w.udp ? udpOptions(w.udp, at(path, 'udp')) : { sendHex: '' } } : {}),
    ...(type === 'dns' && w.dns ? { dns: dnsOptions(w.dns, at(path, 'dns')) } : {}),
    ...(type === 'exec' && w.exec ? { exec: execOptions(w.exec, at(path, 'exec')) } : {}),
  };
}
