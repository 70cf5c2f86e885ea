// Who made a call, for the audit trail: the peer's address and the common name of its client
// certificate ("insecure" when the agent serves plain TCP). Never the certificate itself.
import type { PeerCertificate } from 'tls';

export interface CallerInfo {
  getPeer(): string;
  getAuthContext(): { sslPeerCertificate?: PeerCertificate } | null;
}

export interface Caller {
  peer: string;
  certificate: string;
}

export function callerOf(call: CallerInfo, tls: boolean): Caller {
  if (!tls) return { peer: call.getPeer(), certificate: 'insecure' };
  const cn: unknown = call.getAuthContext()?.sslPeerCertificate?.subject?.CN;
  const names = typeof cn === 'string' ? [cn] : Array.isArray(cn) ? cn.filter((c): c is string => typeof c === 'string') : [];
  return { peer: call.getPeer(), certificate: names.length > 0 ? names.join(',') : '(none)' };
}

/**
 * The call's auth context read once and kept: grpc-js parses the client certificate again at
 * every getAuthContext(), and an Apply asks for it to authorize, then for each audit line.
 */
export function authReadOnce(call: CallerInfo): CallerInfo {
  let read = false;
  let context: ReturnType<CallerInfo['getAuthContext']> = null;
  return {
    getPeer: () => call.getPeer(),
    getAuthContext: () => {
      if (!read) {
        context = call.getAuthContext();
        read = true;
      }
      return context;
    },
  };
}
