// keepalived's checkers (HTTP_GET, SSL_GET, TCP_CHECK, UDP_CHECK, DNS_CHECK, MISC_CHECK) →
// a plan healthCheck. Pure. What has no lvsctl counterpart is returned as "not carried
// over", each with its file and line; nothing is dropped silently.
import type { PlanInput } from '../../plan/schema';
import type { Place, Statement } from './syntax';

export type ImportedHealthCheck = NonNullable<PlanInput['services'][number]['healthCheck']>;

export interface NotCarried extends Place {
  what: string;
  why: string;
}

/** A statement not carried over, at its place, as written ("persistence_engine sip"), and why. */
export function notCarriedOf(s: Statement, why: string): NotCarried {
  return { file: s.file, line: s.line, what: `${s.keyword}${s.args.length ? ` ${s.args.join(' ')}` : ''}`, why };
}

export const CHECKER_KEYWORDS = ['HTTP_GET', 'SSL_GET', 'TCP_CHECK', 'UDP_CHECK', 'DNS_CHECK', 'MISC_CHECK', 'SMTP_CHECK', 'BFD_CHECK', 'FILE_CHECK', 'PING_CHECK'] as const;

/** The virtual server's settings a checker inherits. */
export interface CheckerDefaults {
  delayLoopS?: number;
  connectTimeoutS?: number;
  virtualhost?: string;
  retry?: number;
}

/** seconds (keepalived takes fractions) → a plan duration */
export function duration(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

export function number(s: Statement, min: number, max: number): number | undefined {
  const n = Number(s.args[0]);
  return s.args.length >= 1 && Number.isFinite(n) && n >= min && n <= max ? n : undefined;
}

/** "200", "200-299" → the statuses; undefined when it is not that. */
function statusCodes(text: string): number[] | undefined {
  const m = /^(\d{3})(?:-(\d{3}))?$/.exec(text);
  if (!m) return undefined;
  const [low, high] = [Number(m[1]), Number(m[2] ?? m[1])];
  if (low < 100 || high > 599 || low > high) return undefined;
  return Array.from({ length: high - low + 1 }, (_, i) => low + i);
}

function isRegex(text: string): boolean {
  try {
    new RegExp(text);
    return true;
  } catch {
    return false;
  }
}

/** A path as it goes on the request line: "/" first, and what is not printable ASCII percent-encoded. */
export function urlPath(text: string): string {
  const p = text.startsWith('/') ? text : `/${text}`;
  return p.replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c));
}

const SHELL_WORDS = /[|&;<>()$`\\"'*?[\]#~=%]/;

export interface MappedChecker {
  check: ImportedHealthCheck;
  notCarried: NotCarried[];
}

/** One checker block → a plan health check, or undefined (with the reason) when it has none. */
export function mapChecker(checker: Statement, defaults: CheckerDefaults): MappedChecker | { refused: NotCarried } {
  const notCarried: NotCarried[] = [];
  const skip = (s: Statement, why: string): void => { notCarried.push(notCarriedOf(s, why)); };
  const kind = checker.keyword;
  const types: Record<string, ImportedHealthCheck['type']> = { HTTP_GET: 'http', SSL_GET: 'https', TCP_CHECK: 'tcp', UDP_CHECK: 'udp', DNS_CHECK: 'dns', MISC_CHECK: 'exec' };
  const type: ImportedHealthCheck['type'] | undefined = types[kind];
  if (!type) return { refused: { file: checker.file, line: checker.line, what: kind, why: 'lvsctl has no such check (it has http, https, tcp, udp, dns and exec)' } };
  const check: ImportedHealthCheck = { type };
  let delayLoop = defaults.delayLoopS;
  let connectTimeout = defaults.connectTimeoutS;
  let retry = defaults.retry;
  let virtualhost = defaults.virtualhost;
  let enableSni = false;
  let udpPayload: string | undefined;
  let udpReply: string | undefined;
  /** require_reply given, with or without bytes: keepalived then needs a reply */
  let replyRequired = false;
  let dnsType = false;
  let miscTimeout: number | undefined;
  const urls: Statement[] = [];
  for (const s of checker.block ?? []) {
    switch (s.keyword) {
      case 'connect_port': {
        const port = number(s, 1, 65535);
        if (port === undefined) skip(s, 'not a port 1..65535'); else check.port = port;
        break;
      }
      case 'connect_timeout': connectTimeout = number(s, 0.001, 3600) ?? connectTimeout; break;
      case 'delay_loop': delayLoop = number(s, 0.001, 86400) ?? delayLoop; break;
      case 'retry': case 'nb_get_retry': retry = number(s, 0, 99) ?? retry; break;
      case 'delay_before_retry': skip(s, 'lvsctl checks every interval whether or not the last check failed'); break;
      case 'virtualhost': virtualhost = s.args[0]; break;
      case 'enable_sni': enableSni = true; break;
      case 'url': urls.push(s); break;
      case 'payload': {
        const bytes = keepalivedHex(s.args);
        if (bytes === undefined) skip(s, 'not a hex string (keepalived\'s HEX_STR): lvsctl sends an empty datagram instead'); else udpPayload = bytes;
        break;
      }
      case 'require_reply': {
        replyRequired = true;
        if (s.args.length === 0) break; // any reply will do
        const bytes = keepalivedHex(s.args);
        if (bytes === undefined) skip(s, 'not hex lvsctl can compare (keepalived\'s X, any nibble, has no lvsctl form): any reply is taken as up'); else udpReply = bytes;
        break;
      }
      case 'name': if (type === 'dns') { check.dns = { ...(check.dns ?? { name: '' }), name: s.args[0] ?? '' }; } else skip(s, 'only a DNS_CHECK has a name'); break;
      case 'type': if (type === 'dns') { dnsType = true; check.dns = { ...(check.dns ?? { name: '' }), type: (s.args[0] ?? 'A').toUpperCase() as 'A' }; } else skip(s, 'only a DNS_CHECK has a type'); break;
      case 'misc_path': {
        const words = (s.args.join(' ')).trim().split(/\s+/);
        if (SHELL_WORDS.test(s.args.join(' '))) { skip(s, 'the command uses the shell (quotes, pipes, variables...): lvsctl runs a command without a shell; wrap it in a script'); break; }
        if (!words[0]?.startsWith('/')) { skip(s, 'lvsctl runs a command by absolute path; give the full path'); break; }
        check.exec = { command: words[0], args: words.slice(1) };
        break;
      }
      case 'misc_timeout': miscTimeout = number(s, 0.001, 3600); break;
      case 'misc_dynamic': skip(s, 'lvsctl does not take weights from a check\'s exit status: exit 0 is healthy, anything else is not'); break;
      case 'user': skip(s, 'lvsctl runs an exec check as a user id, not a name: set "exec": { "uid": N, "gid": N }'); break;
      case 'warmup': skip(s, 'lvsctl starts checking at once (a new realserver keeps its weight until it has failed "fall" times)'); break;
      case 'alpha': skip(s, 'lvsctl keeps a new realserver serving until it fails (keepalived\'s default without alpha)'); break;
      default: skip(s, 'not an option lvsctl can carry over');
    }
  }
  if (type === 'http' || type === 'https') {
    const [url, ...more] = urls;
    for (const m of more) skip(m, 'lvsctl checks one URL per service: the first url block is kept');
    for (const s of url?.block ?? []) {
      switch (s.keyword) {
        case 'path': check.path = urlPath(s.args[0] ?? '/'); break;
        case 'digest':
          if (/^[0-9a-fA-F]{32}$/.test(s.args[0] ?? '')) check.bodyDigest = `md5:${s.args[0].toLowerCase()}`;
          else skip(s, 'not an md5 digest of 32 hex digits');
          break;
        case 'status_code': {
          const codes = s.args.flatMap((a) => statusCodes(a) ?? []);
          if (codes.length === 0) { skip(s, 'not a status or a range "200-299"'); break; }
          const before = Array.isArray(check.expectStatus) ? check.expectStatus : check.expectStatus ? [check.expectStatus] : [];
          const all = [...new Set([...before, ...codes])];
          check.expectStatus = all.length === 1 ? all[0] : all;
          break;
        }
        case 'regex':
          if (isRegex(s.args.join(' '))) check.bodyRegex = s.args.join(' ');
          else skip(s, 'not a regular expression JavaScript can read');
          break;
        case 'virtualhost': virtualhost = s.args[0]; break;
        default: skip(s, 'not an option lvsctl can carry over');
      }
    }
    if (virtualhost) check.host = virtualhost;
    if (type === 'https' && enableSni && virtualhost && !/^[\d.:[\]]+$/.test(virtualhost)) check.tls = { verify: false, serverName: virtualhost };
  }
  if (type === 'udp') {
    // keepalived's read timeout without require_reply is a success: only an ICMP refusal fails it
    if (!replyRequired) {
      notCarried.push({
        file: checker.file, line: checker.line, what: 'UDP_CHECK without require_reply',
        why: 'keepalived counts no answer as up (only an ICMP port unreachable fails it); lvsctl\'s udp check needs a reply: a server that does not answer this payload would be marked down. Give "udp.send" a request it answers, or use a dns or tcp check',
      });
    }
    check.udp = {
      ...(udpPayload ? { sendHex: udpPayload.toLowerCase() } : {}),
      ...(udpReply ? { expectHex: udpReply.toLowerCase() } : {}),
    };
  }
  // keepalived asks for the SOA record when no type is given
  if (type === 'dns' && check.dns && !dnsType) check.dns = { ...check.dns, type: 'SOA' };
  if (type === 'dns' && !check.dns?.name) return { refused: { file: checker.file, line: checker.line, what: kind, why: 'a DNS_CHECK without a name: keepalived asks for the root, lvsctl needs a name; add "name"' } };
  if (type === 'exec' && !check.exec) return { refused: { file: checker.file, line: checker.line, what: kind, why: 'its misc_path could not be carried over (see above)' } };
  const interval = delayLoop ?? 60;
  const whole = type === 'exec' ? (miscTimeout ?? interval) : (connectTimeout ?? 5);
  check.interval = duration(interval);
  if (whole > interval) {
    notCarried.push({ file: checker.file, line: checker.line, what: `${kind} timeout ${whole}s`, why: `longer than delay_loop ${interval}s: lvsctl bounds the check by the interval (timeout ${duration(interval)})` });
  }
  check.timeout = duration(Math.min(whole, interval));
  // keepalived: a realserver fails after retry+1 failures in a row and comes back at the first
  // success; retry unset is 1 (0 for MISC_CHECK, 3 for DNS_CHECK), not lvsctl's own default fall of 3
  check.fall = Math.min(100, (retry ?? (type === 'exec' ? 0 : type === 'dns' ? 3 : 1)) + 1);
  check.rise = 1;
  return { check, notCarried };
}

/**
 * keepalived's HEX_STR as lvsctl's hex: each word is read two digits a byte from its start and a
 * last lone digit is a byte of its own ("Ab12f 3 456" is AB 12 0F 03 45 06); undefined when a
 * word is not hex (keepalived's X wildcard included).
 */
export function keepalivedHex(words: readonly string[]): string | undefined {
  let hex = '';
  for (const word of words) {
    if (!/^[0-9a-fA-F]+$/.test(word)) return undefined;
    hex += word.length % 2 === 0 ? word : `${word.slice(0, -1)}0${word.slice(-1)}`;
  }
  return hex.toLowerCase();
}
