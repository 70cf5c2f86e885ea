// Turns a failed gRPC call into words an operator can act on: which agent, what went
// wrong (refused connection, TLS trust, name mismatch, timeout, not allowed), what to do.
import { status, type ServiceError } from '@grpc/grpc-js';
import type { ClientTls } from './tls-options';

export interface CallContext {
  host: string;
  address: string;
  port: number;
  timeoutMs: number;
  tls: ClientTls;
}

/** unreachable: the agent could not be asked; refused: it answered and said no. */
export type CallFailure = { kind: 'unreachable'; reason: string } | { kind: 'refused'; reason: string };

function where(ctx: CallContext): string {
  return `agent of ${ctx.host} at ${ctx.address}:${ctx.port}`;
}

function tlsReason(details: string, ctx: CallContext): string | undefined {
  if (ctx.tls.kind === 'insecure') {
    if (/EPROTO|Connection dropped|ECONNRESET|Protocol error|socket hang up|Failed to connect/i.test(details)) {
      return `${where(ctx)} did not take a plain-TCP connection: it probably requires mutual TLS; pass --ca, --cert and --key instead of --insecure`;
    }
    return undefined;
  }
  const { ca, cert } = ctx.tls.files;
  if (/altname|does not match|Hostname\/IP/i.test(details)) {
    return `${where(ctx)}: its certificate is valid neither for ${ctx.address} nor for "${ctx.host}"; ` +
      `issue it with \`lvsctl certs issue DIR ${ctx.host} --ip ${ctx.address}\``;
  }
  if (/self[- ]signed|unable to (get|verify)|UNABLE_TO_VERIFY|certificate signature failure|unknown ca/i.test(details) && !/alert/i.test(details)) {
    return `${where(ctx)}: its certificate is not signed by the CA in ${ca} (--ca); pass the cluster's ca.crt, or reissue the agent's certificate from it`;
  }
  if (/alert|certificate required|bad certificate/i.test(details)) {
    return `${where(ctx)} refused the client certificate ${cert} (--cert): it must be issued by the CA the agent trusts (the agent's --ca)`;
  }
  // With TLS 1.3 the server checks our certificate after the client finished its side of
  // the handshake, so its refusal arrives only as a closed connection, without a reason.
  if (/Failed to connect|Connection dropped|ECONNRESET/i.test(details)) {
    return `${where(ctx)} closed the TLS connection during the handshake: it probably refused the client certificate ${cert} (--cert), ` +
      'which must be issued by the CA the agent trusts (the agent\'s --ca)';
  }
  if (/wrong version number|packet length too long|WRONG_VERSION|http\/1|unexpected eof/i.test(details)) {
    return `${where(ctx)} does not speak TLS: it was started with --insecure; pass --insecure too (labs only) or restart it with TLS files`;
  }
  return undefined;
}

export function describeCallFailure(err: ServiceError, ctx: CallContext): CallFailure {
  const details = err.details || err.message;
  switch (err.code) {
    case status.DEADLINE_EXCEEDED:
      return { kind: 'unreachable', reason: `${where(ctx)}: no answer within ${ctx.timeoutMs} ms (--timeout); is the host up and the port open?` };
    case status.UNAUTHENTICATED:
    case status.PERMISSION_DENIED:
      return { kind: 'unreachable', reason: `${where(ctx)} did not accept us: ${details}` };
    case status.UNAVAILABLE: {
      if (/ECONNREFUSED/.test(details)) {
        return { kind: 'unreachable', reason: `${where(ctx)}: connection refused; is lvsctl-agent running there, on port ${ctx.port} (plan agent.port / agentPort)?` };
      }
      if (/EHOSTUNREACH|ENETUNREACH|ETIMEDOUT/.test(details)) {
        return { kind: 'unreachable', reason: `${where(ctx)}: no route to the host (${details})` };
      }
      return { kind: 'unreachable', reason: tlsReason(details, ctx) ?? `${where(ctx)} is unavailable: ${details}` };
    }
    case status.CANCELLED:
      return { kind: 'unreachable', reason: `${where(ctx)}: the call was cancelled (${details})` };
    default: {
      const tls = tlsReason(details, ctx);
      if (tls) return { kind: 'unreachable', reason: tls };
      return { kind: 'refused', reason: `${where(ctx)} answered ${status[err.code] ?? err.code}: ${details}` };
    }
  }
}
