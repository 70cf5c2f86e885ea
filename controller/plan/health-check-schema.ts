// A service's "healthCheck": its own file so the checks can grow (keepalived's HTTP_GET,
// SSL_GET, TCP_CHECK, UDP_CHECK, DNS_CHECK, MISC_CHECK) without touching the rest of the
// schema. Which option goes with which type is a cross-field rule (rules/health-check.ts).
import { z } from 'zod';
import { ALL_DOWN_POLICIES } from '../../lvs/host-plan';
import { CHECK_DURATION_BOUNDS_MS, DNS_RECORD_TYPES, HEALTH_CHECK_TYPES } from '../../lvs/health/check-options';
import { durationBoundsText, durationMs, durationWithin } from '../../lvs/duration';
import { DURATION_PATTERN } from './constants';
import { hostPath, utf8AtMost, wireText } from './wire-text';

// within what the director agent takes: a plan validate accepts is never refused at rollout
const duration = z.string()
  .regex(DURATION_PATTERN, { error: 'must be a duration such as "500ms", "1s" or "2m"' })
  .refine((text) => durationMs(text) === undefined || durationWithin(text, CHECK_DURATION_BOUNDS_MS) !== undefined, {
    error: `must be ${durationBoundsText(CHECK_DURATION_BOUNDS_MS)}, e.g. "1s"`,
  });
const httpStatus = z.number().int().min(100).max(599);
const hex = z.string().max(2800).regex(/^(?:[0-9a-fA-F]{2})*$/, { error: 'must be hex, two digits a byte, e.g. "0a0b"' });
const regexText = wireText(z.string().min(1).max(1024)).refine((text) => {
  try {
    new RegExp(text);
    return true;
  } catch {
    return false;
  }
}, { error: 'must be a valid JavaScript regular expression' });
const domainName = z.string().min(1).max(253).regex(/^[A-Za-z0-9_.*-]+\.?$|^\.$/, { error: 'must be a domain name such as "www.example.com"' });

export const tlsCheckSchema = z.strictObject({
  verify: z.boolean().default(false).describe('check the certificate chain and name (keepalived SSL_GET does not; default false)'),
  caFile: hostPath('/etc/lvsctl/ca.pem').optional().describe('PEM CA bundle on the director, instead of the built-in roots'),
  serverName: domainName.optional().describe('SNI and the name the certificate must carry; default: "host" when it is a name'),
});

export const udpCheckSchema = z.strictObject({
  send: utf8AtMost(wireText(z.string().max(1400)), 1400).optional().describe('payload as text (UTF-8), at most 1400 bytes'),
  sendHex: hex.optional().describe('payload as hex bytes'),
  expect: utf8AtMost(wireText(z.string().min(1).max(1400)), 1400).optional().describe('the reply must start with this text (at most 1400 bytes as UTF-8)'),
  expectHex: hex.optional().describe('the reply must start with these bytes'),
  expectRegex: regexText.optional().describe('the reply (as latin1 text) must match'),
}).describe('one datagram out, healthy when a reply comes back within the read timeout (and matches)');

export const dnsCheckSchema = z.strictObject({
  name: domainName,
  type: z.enum(DNS_RECORD_TYPES).default('A'),
  expect: z.array(wireText(z.string().min(1).max(1024))).min(1).max(32).optional()
    .describe('each must be among the answers (an address, a name); absent = any answer'),
}).describe('asks the realserver as a DNS server; healthy when it answers the question with at least one record');

export const execCheckSchema = z.strictObject({
  command: wireText(z.string().min(1).max(4096).startsWith('/', { error: 'must be an absolute path, e.g. "/usr/local/bin/check-db"' })),
  args: z.array(wireText(z.string().max(4096))).max(64).default([])
    .describe('"{address}" and "{port}" are replaced by the realserver\'s address and the check port; no shell'),
  uid: z.number().int().min(0).max(2 ** 31 - 1).optional().describe('run as this user id (the agent must be root)'),
  gid: z.number().int().min(0).max(2 ** 31 - 1).optional().describe('run with this group id'),
}).describe('runs the command on the director; exit status 0 = healthy (the agent needs --exec-checks DIR)');

export const healthCheckSchema = z.strictObject({
  type: z.enum(HEALTH_CHECK_TYPES),
  port: z.number().int().min(1).max(65535).optional(),
  path: z.string().max(2048).regex(/^\/[\x21-\x7e]*$/, { error: 'must be a URL path starting with "/", without spaces (write a space as %20)' }).optional(),
  host: z.string().min(1).max(253).regex(/^[A-Za-z0-9.:_[\]-]+$/, { error: 'must be a host name, optionally with ":port"' }).optional()
    .describe('http/https: the Host header (and SNI); default the realserver\'s address'),
  expectStatus: z.union([httpStatus, z.array(httpStatus).min(1).max(500)]).optional()
    .describe('http/https: the healthy status, or a list of them; default any 2xx or 3xx'),
  bodyRegex: regexText.optional().describe('http/https: the body\'s first MiB must match'),
  bodyDigest: z.string().regex(/^(md5:[0-9a-fA-F]{32}|sha256:[0-9a-fA-F]{64})$/, { error: 'must be "md5:" and 32 hex digits, or "sha256:" and 64' }).optional()
    .describe('http/https: digest of the whole body (at most 1 MiB), like keepalived\'s digest'),
  tls: tlsCheckSchema.optional(),
  udp: udpCheckSchema.optional(),
  dns: dnsCheckSchema.optional(),
  exec: execCheckSchema.optional(),
  interval: duration.default('1s'),
  timeout: duration.default('500ms').describe('the whole check'),
  connectTimeout: duration.optional().describe('tcp/http/https: the connect (and TLS handshake) alone'),
  readTimeout: duration.optional().describe('http/https/udp/dns: the answer, once connected or sent'),
  fall: z.number().int().min(1).max(100).default(3),
  rise: z.number().int().min(1).max(100).default(2),
  allDown: z.enum(ALL_DOWN_POLICIES).optional()
    .describe('when every realserver is down: "keep-last" (default) keeps the last one serving, "quiesce" sets all to weight 0; not with sorryServer'),
});
