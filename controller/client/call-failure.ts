// Turns a failed gRPC call into words an operator can act on: which agent, what went
// wrong, what to do. grpc-js says UNAVAILABLE or DEADLINE_EXCEEDED for most transport
// failures, so the words come from the connection's trace (connection-trace.ts): the TCP
// connect (refused, no answer), the TLS handshake (our certificate refused, theirs not
// trusted, not TLS, no handshake at all), a connection dropped after the handshake, or
// one that is up and silent. "Refused the client certificate" is said only when the
// handshake itself failed.
import { status, type ServiceError } from '@grpc/grpc-js';
import type { CallLimit } from './call-limit';
import type { Attempt, ConnectionTrace } from './connection-trace';
import { classifyTlsError, isCertificateAlert, type TlsFailure } from './tls-failure';
import { crlIssuedByCa } from './crl-issuer';
import type { ClientTls } from './tls-options';
import { formatAddressPort } from '../../lvs/model';
import { showControlCharacters } from '../../lvs/control-characters';

export interface CallContext {
  host: string;
  address: string;
  port: number;
  tls: ClientTls;
  /** what happened on the wire; absent, the words come from grpc-js's details alone */
  trace?: ConnectionTrace;
}

/** unreachable: the agent could not be asked; refused: it answered and said no. */
export type CallFailure = { kind: 'unreachable'; reason: string } | { kind: 'refused'; reason: string };

export function where(ctx: Pick<CallContext, 'host' | 'address' | 'port'>): string {
  return `agent of ${ctx.host} at ${formatAddressPort(ctx.address, ctx.port)}`;
}

/** Codes grpc-js uses for a failed connection as well as for an agent's own answer. */
const TRANSPORT_CODES = new Set<number>([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.INTERNAL, status.UNKNOWN]);

/** The most characters of an agent's (or a peer's) own words that are shown. */
export const PEER_TEXT_MAX = 1000;

/**
 * A peer's words as printed: control characters (a terminal escape among them) shown as
 * "?", and at most PEER_TEXT_MAX characters, so that a hostile or broken peer can neither
 * drive the operator's terminal nor flood it.
 */
export function peerText(text: string): string {
  const clean = showControlCharacters(text);
  return clean.length <= PEER_TEXT_MAX ? clean : `${clean.slice(0, PEER_TEXT_MAX)}… (${clean.length - PEER_TEXT_MAX} more characters)`;
}

/**
 * Statuses grpc-js makes up itself when the peer broke the HTTP/2 or gRPC framing (a reset
 * stream, a GOAWAY, an answer over the size limit, an HTTP error): no answer of lvsctl-agent's,
 * whose every refusal comes as a gRPC status in the trailers.
 */
const PROTOCOL_BREAK = /^(Received RST_STREAM with code \d+|Received message larger than max|Received HTTP status code \d+|Bandwidth exhausted|Response message parsing error)/;
/** The peer broke the HTTP/2 or gRPC framing (PROTOCOL_BREAK), not grpc-js on our side. */
export function protocolBreak(err: ServiceError): boolean {
  return PROTOCOL_BREAK.test(err.details ?? '') && !OUR_OWN_ERROR.test(err.details ?? '');
}

/** grpc-js's own UNAVAILABLE, for a connection it could not make or lost: no word of the agent's */
const GRPC_OWN_UNAVAILABLE = /^(No connection established|Connection dropped|Stream refused|read E|Write (error|failed)|Channel closed)/;
/** grpc-js's own failure, not the peer's: "Received RST_STREAM with code 2 triggered by internal client error: …" */
const OUR_OWN_ERROR = /triggered by internal client error/;

/** grpc-js's "No connection established. Last error: … Resolution note: " without its empty note. */
function unavailableText(details: string): string {
  return details.replace(/\.?\s*Resolution note:\s*$/, '');
}

export function describeCallFailure(err: ServiceError, ctx: CallContext, limit: CallLimit): CallFailure {
  const details = peerText(err.details || err.message);
  if (err.code === status.UNAUTHENTICATED || err.code === status.PERMISSION_DENIED) {
    return { kind: 'unreachable', reason: `${where(ctx)} did not accept us: ${details}` };
  }
  // We cancelled it (closing the client): the wire has nothing to say about that.
  if (err.code === status.CANCELLED) return { kind: 'unreachable', reason: `${where(ctx)}: the call was cancelled (${details})` };
  if (TRANSPORT_CODES.has(err.code)) {
    const attempt = ctx.trace?.latest();
    const reason = attempt ? wireReason(attempt, ctx, limit, err.code) : undefined;
    if (reason) return { kind: 'unreachable', reason };
    if (err.code === status.DEADLINE_EXCEEDED) return { kind: 'unreachable', reason: `${where(ctx)}: no answer ${limit.text}; is the host up and the port open?` };
    const open = attempt?.state.stage === 'open';
    // the connection was up when the agent said UNAVAILABLE: its own word (shutting down), no refusal of ours
    if (err.code === status.UNAVAILABLE && open && !protocolBreak(err) && !GRPC_OWN_UNAVAILABLE.test(err.details ?? '')) {
      return { kind: 'unreachable', reason: `${where(ctx)} answered UNAVAILABLE: ${details}` };
    }
    // (an HTTP error over an open connection, a 503 of a proxy: the protocol's branch below says so)
    if (err.code === status.UNAVAILABLE && !(open && protocolBreak(err))) {
      return {
        kind: 'unreachable',
        reason: `${where(ctx)} is unavailable: ${unavailableText(details)}; an agent closes a connection it will not serve: ` +
          'a client certificate it refuses (revoked by its --crl, or from another CA) or too many connections held: its log says which',
      };
    }
  }
  if (protocolBreak(err)) {
    return {
      kind: 'unreachable',
      reason: `${where(ctx)} broke off the call (${details}), which lvsctl-agent never does: ` +
        `is it lvsctl-agent, of this version, that listens on port ${ctx.port}? (its log may say why)`,
    };
  }
  return { kind: 'refused', reason: `${where(ctx)} answered ${status[err.code] ?? err.code}: ${details}` };
}

/** What the last connection attempt says about a call that got no answer. */
export function wireReason(attempt: Attempt, ctx: CallContext, limit: CallLimit, code: number = status.DEADLINE_EXCEEDED): string | undefined {
  const state = attempt.state;
  switch (state.stage) {
    case 'dialing':
    case 'tcp-timeout':
      return `${where(ctx)}: no TCP connection ${limit.text}: is the host up? (a firewall that drops packets to port ${ctx.port} looks the same)`;
    case 'tcp-failed':
      return tcpReason(state.error, ctx);
    case 'handshaking':
    case 'handshake-timeout':
      return `${where(ctx)} accepted the TCP connection but did not complete the TLS handshake ${limit.text}: ` +
        `is it lvsctl-agent that listens on port ${ctx.port}? (something else there, or a stuck agent)`;
    case 'handshake-failed':
      return tlsReason(classifyTlsError(state.error), ctx);
    case 'open':
      // up and answering: an UNAVAILABLE then is the agent's own word (shutting down…)
      return code === status.DEADLINE_EXCEEDED ? silentReason(state.bytesRead(), ctx, limit) : undefined;
    case 'closed':
      return closedReason(state.bytesRead, state.error, ctx);
  }
}

function tcpReason(error: Error, ctx: CallContext): string {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (code === 'ECONNREFUSED') {
    return `${where(ctx)}: connection refused; is lvsctl-agent running there, on port ${ctx.port} (plan agent.port / agentPort)?`;
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `${where(ctx)}: no route to the host (${code})`;
  if (code === 'ETIMEDOUT') return `${where(ctx)}: no TCP connection: the connect timed out in the kernel (${code}); is the host up?`;
  return `${where(ctx)}: the TCP connection failed: ${error.message}`;
}

function tlsReason(failure: TlsFailure, ctx: CallContext): string {
  const files = ctx.tls.kind === 'mtls' ? ctx.tls.files : undefined;
  switch (failure.kind) {
    case 'refused-our-certificate':
      return `${where(ctx)} refused the client certificate ${files?.cert ?? ''} (--cert) in the TLS handshake (alert: ${failure.alert}): ` +
        'it must be issued by the CA the agent trusts (the agent\'s --ca)';
    case 'alert':
      return `${where(ctx)} ended the TLS handshake with the alert "${failure.alert}"; see its log`;
    case 'untrusted':
      return `${where(ctx)}: its certificate is not signed by the CA in ${files?.ca ?? '--ca'} (--ca) (${failure.code}); ` +
        'pass the cluster\'s ca.crt, or reissue the agent\'s certificate from it';
    case 'revoked':
      return `${where(ctx)}: its certificate is revoked (on the CRL ${ctx.tls.kind === 'mtls' ? ctx.tls.crlFile ?? '--crl' : '--crl'}): ` +
        `it is not trusted; if the host is yours again, issue it a new certificate (\`lvsctl certs issue DIR ${ctx.host} --ip ${ctx.address}\`, then \`lvsctl bootstrap\`)`;
    case 'crl':
      // the CRL is the CA's own: then the agent's certificate is what is not from that CA
      if (failure.code === 'UNABLE_TO_GET_CRL' && ctx.tls.kind === 'mtls' && ctx.tls.material.crl && crlIssuedByCa(ctx.tls.material.ca, ctx.tls.material.crl)) {
        return tlsReason({ kind: 'untrusted', code: 'UNABLE_TO_GET_CRL: no CRL of its issuer, which is not the CA in --ca' }, ctx);
      }
      return `${where(ctx)}: the CRL ${ctx.tls.kind === 'mtls' ? ctx.tls.crlFile ?? '--crl' : '--crl'} cannot check its certificate (${failure.code}): ` +
        'either the CRL is not that of the CA in --ca, or the agent\'s certificate is not from that CA (OpenSSL looks for a CRL ' +
        'of the chain the agent sent before it finds its CA missing): pass the crl.pem of the CA that issued the agents\' certificates ' +
        '(`lvsctl certs crl DIR` writes it anew), or reissue the agent\'s certificate from the CA in --ca';
    case 'name-mismatch':
      return `${where(ctx)}: its certificate is valid neither for ${ctx.address} nor for "${ctx.host}"; ` +
        `issue it with \`lvsctl certs issue DIR ${ctx.host} --ip ${ctx.address}\``;
    case 'not-tls':
      // the first bytes an agent started with --insecure sends look to TLS as an SSH or HTTP banner does
      return `${where(ctx)} does not speak TLS: an agent started with --insecure answers so (pass --insecure too, labs only, or restart it with TLS files), ` +
        `and so does another service on port ${ctx.port} (SSH, HTTP…): check the plan's agent.port / agentPort`;
    case 'closed':
      return `${where(ctx)} closed the connection during the TLS handshake without a TLS alert: is lvsctl-agent what listens on port ${ctx.port} (plan agent.port / agentPort)? ` +
        `An agent holding too many connections in their handshake closes the oldest so, and a TLS 1.2 peer so refuses a client certificate: ` +
        `check that ${files?.cert ?? 'the --cert file'} (--cert) comes from the CA the agent trusts, and see its log`;
    case 'other':
      return `${where(ctx)}: the TLS handshake failed: ${failure.message}`;
  }
}

/** The connection is up and the call got nothing back in time. */
function silentReason(bytesRead: number, ctx: CallContext, limit: CallLimit): string {
  if (bytesRead === 0) {
    const after = ctx.tls.kind === 'insecure' ? 'took the TCP connection' : 'completed the TLS handshake';
    return `${where(ctx)} ${after} but then sent nothing ${limit.text}, not even the HTTP/2 greeting: ` +
      `is it lvsctl-agent that listens on port ${ctx.port}? (something else there, or a stuck agent)`;
  }
  return `${where(ctx)} is connected but gave no answer ${limit.text}: the agent is busy or stuck; see its log`;
}

/** The connection the call went over is gone. */
function closedReason(bytesRead: number, error: Error | undefined, ctx: CallContext): string {
  // With TLS 1.3 the agent checks our certificate after our side of the handshake is done:
  // its refusal comes as an alert on the first read, or as a close before its first byte.
  if (isCertificateAlert(error)) return tlsReason(classifyTlsError(error as Error), ctx);
  if (bytesRead === 0) {
    if (ctx.tls.kind === 'insecure') {
      return `${where(ctx)} did not take a plain-TCP connection: it probably requires mutual TLS; pass --ca, --cert and --key instead of --insecure`;
    }
    return `${where(ctx)} closed the connection as the TLS handshake ended, before sending a byte: that is how an agent refuses ` +
      `a client certificate under TLS 1.3 (${ctx.tls.files.cert} (--cert) must be issued by the CA the agent trusts (its --ca), unexpired and not revoked by its --crl) ` +
      'and how it sheds a connection past its bound (too many held open): its log says which (`connection refused: client certificate` with the reason, or `too many connections`)';
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const why = error ? ` (${code ?? error.message})` : '';
  const after = ctx.tls.kind === 'insecure' ? 'once it was up' : 'after the TLS handshake';
  // node's HTTP/2 layer could not read what came: not an agent that stopped, a peer that does not speak gRPC
  if (code?.startsWith('ERR_HTTP2_')) {
    return `${where(ctx)} answered ${after} with bytes that are not HTTP/2${why}, which lvsctl-agent never sends: is it lvsctl-agent that listens on port ${ctx.port}? (another service there)`;
  }
  return `${where(ctx)}: the connection dropped ${after}${why}: the agent stopped or restarted? see its log`;
}

/**
 * grpc-js's own word for a connection it lost (its socket closed, its keepalive pings went
 * unanswered, a GOAWAY): not a status the agent sent.
 */
export function connectionDropped(err: ServiceError): boolean {
  return err.code === status.UNAVAILABLE && err.details === 'Connection dropped';
}
