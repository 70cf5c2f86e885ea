// The parts of a health check beyond tcp/http's port, path and status: keepalived's
// HTTP_GET/SSL_GET (Host, status set, body regex or digest, TLS), UDP_CHECK, DNS_CHECK and
// MISC_CHECK (exec). Plain data shared by the plan compiler, the wire codec and the checkers.

import type { DurationBounds } from '../duration';

/** A check's interval, timeout, connect and read timeouts: what the director agent takes (1 ms to 60 min). */
export const CHECK_DURATION_BOUNDS_MS: DurationBounds = { min: 1, max: 3_600_000 };

export const HEALTH_CHECK_TYPES = ['tcp', 'http', 'https', 'udp', 'dns', 'exec'] as const;
export type HealthCheckType = (typeof HEALTH_CHECK_TYPES)[number];

/** The record types a dns check may ask for (those node:dns resolves by name). */
export const DNS_RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'NS', 'PTR', 'SOA', 'SRV', 'TXT', 'CAA'] as const;
export type DnsRecordType = (typeof DNS_RECORD_TYPES)[number];

export const DIGEST_ALGORITHMS = ['md5', 'sha256'] as const;
export type DigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number];

/** How much of an HTTP body a check reads at most (for a body regex or digest). */
export const MAX_CHECK_BODY_BYTES = 1024 * 1024;
/** How much of an exec check's stdout+stderr is kept at most (the rest is discarded). */
export const MAX_EXEC_OUTPUT_BYTES = 64 * 1024;

export interface BodyDigest {
  algorithm: DigestAlgorithm;
  /** lower-case hex */
  hex: string;
}

/** http and https only. */
export interface HttpCheckOptions {
  /** Host header (and SNI for https unless tls.serverName says otherwise); absent = the realserver's address */
  hostHeader?: string;
  /** healthy statuses; absent or empty = the spec's expectStatus (0: any 2xx or 3xx) */
  statuses?: number[];
  /** healthy only if the body (its first MAX_CHECK_BODY_BYTES) matches; JavaScript RegExp syntax */
  bodyRegex?: string;
  /** healthy only if the whole body (at most MAX_CHECK_BODY_BYTES) has this digest */
  bodyDigest?: BodyDigest;
}

/** https only. */
export interface TlsCheckOptions {
  /** check the certificate chain (and the name, when serverName or the Host is a name) */
  verify: boolean;
  /** PEM CA bundle on the director, instead of Node's built-in roots */
  caFile?: string;
  /** SNI; absent = the Host header when it is a name, else none */
  serverName?: string;
}

/** udp only: one datagram out, one in. */
export interface UdpCheckOptions {
  /** payload, hex; empty = an empty datagram */
  sendHex: string;
  /** the reply must start with these bytes (hex) */
  expectHex?: string;
  /** the reply, read as latin1 text, must match */
  expectRegex?: string;
}

/** dns only: the realserver is asked as a DNS server. */
export interface DnsCheckOptions {
  name: string;
  recordType: DnsRecordType;
  /** each must appear among the answers (as text: an address, a name); absent = any answer */
  expect?: string[];
}

/** exec only: a command, no shell; exit 0 = healthy. */
export interface ExecCheckOptions {
  /** absolute path */
  command: string;
  /** "{address}" and "{port}" in an argument are replaced by the realserver's address and the check port */
  args: string[];
  uid?: number;
  gid?: number;
}

/** The per-type options of one check, as the HealthCheckSpec carries them. */
export interface HealthCheckExtras {
  /** bound on the TCP connect (and TLS handshake); absent = only the overall timeout */
  connectTimeoutMs?: number;
  /** bound on the answer once connected (or sent, for udp and dns); absent = only the overall timeout */
  readTimeoutMs?: number;
  http?: HttpCheckOptions;
  tls?: TlsCheckOptions;
  udp?: UdpCheckOptions;
  dns?: DnsCheckOptions;
  exec?: ExecCheckOptions;
}
