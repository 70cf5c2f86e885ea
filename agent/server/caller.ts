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
