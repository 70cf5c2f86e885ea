// keepalived's DNS_CHECK: ask the realserver, as a DNS server, one question; healthy when
// it answers with at least one record (and, when the plan lists some, with each of them).
//
// Through node:dns's Resolver (c-ares) rather than hand-built packets: c-ares matches the
// reply to the query (random id, same question), retries over TCP when the reply is
// truncated, parses every record type, and says NXDOMAIN, SERVFAIL, REFUSED and "no such
// record" apart (ENOTFOUND, ESERVFAIL, EREFUSED, ENODATA). Each check gets its own
// Resolver, so setServers() never touches the agent's own name resolution; c-ares runs on
// the event loop, not in libuv's thread pool, so checks do not queue behind file I/O.
import { Resolver } from 'node:dns/promises';
import type { DnsCheckOptions } from '../../../lvs/health/check-options';
import { showControlCharacters } from '../../../lvs/control-characters';
import { formatAddressPort } from '../../../lvs/model';
import type { ProbeResult } from '../../../lvs/health/types';
import { settleOnce } from './settle';

export interface DnsProbeOptions extends DnsCheckOptions {
  address: string;
  port: number;
  timeoutMs: number;
  readTimeoutMs?: number;
}

/** One answer record as text: an address, a name, or a TXT string, for comparing with `expect`. */
function answerTexts(records: unknown[]): string[] {
  return records.map((r) => {
    if (typeof r === 'string') return r;
    if (Array.isArray(r)) return r.join('');
    const o = r as Record<string, unknown>;
    const text = o.exchange ?? o.name ?? o.nsname ?? o.value ?? o.issue ?? o.address;
    return typeof text === 'string' ? text : JSON.stringify(r);
  });
}

const norm = (text: string): string => text.toLowerCase().replace(/\.$/, '');

/** Shown of an answer in a check's detail, which goes to logs, history and Health replies. */
const SHOWN_ANSWERS = 5;
const SHOWN_ANSWER_CHARS = 100;

/**
 * The answers as a check's detail: the first few, each cut short and with control characters
 * shown as "?", then how many there were. A server may answer with hundreds of long TXT
 * records or terminal escapes; the detail stays one short line.
 */
export function describeAnswers(answers: readonly string[]): string {
  const shown = answers.slice(0, SHOWN_ANSWERS).map((a) => {
    const clean = showControlCharacters(a);
    return clean.length > SHOWN_ANSWER_CHARS ? `${clean.slice(0, SHOWN_ANSWER_CHARS)}…` : clean;
  });
  const more = answers.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more (${answers.length} answers)` : shown.join(', ');
}

export function dnsCheck(o: DnsProbeOptions): Promise<ProbeResult> {
  const server = formatAddressPort(o.address, o.port);
  const where = `dns ${server} ${o.name} ${o.recordType}`;
  const waitMs = Math.min(o.readTimeoutMs ?? o.timeoutMs, o.timeoutMs);
  return settleOnce(o.timeoutMs, () => `${where}: no answer within ${o.timeoutMs} ms`, ({ finish, onSettle }) => {
    const resolver = new Resolver({ timeout: waitMs, tries: 1 });
    resolver.setServers([server]);
    onSettle(() => resolver.cancel());
    resolver.resolve(o.name, o.recordType).then(
      (result) => {
        const answers = answerTexts(Array.isArray(result) ? result : [result]);
        if (answers.length === 0) return finish(false, `${where}: an empty answer`);
        const missing = (o.expect ?? []).filter((e) => !answers.some((a) => norm(a) === norm(e)));
        if (missing.length > 0) return finish(false, `${where}: answered ${describeAnswers(answers)}, missing ${missing.join(', ')}`);
        finish(true, `${where}: ${describeAnswers(answers)}`);
      },
      (err: NodeJS.ErrnoException) => finish(false, `${where}: ${err.code === 'ETIMEOUT' ? `no answer within ${waitMs} ms` : err.code ?? err.message}`),
    );
  });
}
