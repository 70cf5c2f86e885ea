// Who may call this agent. The TLS handshake already proved the client holds a
// certificate from our CA that the CRL does not list; --allow narrows that to certain
// common names. Checked on every call, from the certificate of the connection the call
// came on, against the CRL of the moment (a connection may predate a reload).
import { status } from '@grpc/grpc-js';
import type { PeerCertificate } from 'tls';
import { callError, type CallError } from './call-errors';
import type { Revocations } from './revocation';

export interface PeerInfo {
  getAuthContext(): { transportSecurityType?: string; sslPeerCertificate?: PeerCertificate } | null;
}

export interface AuthorizationPolicy {
  /** false only with --insecure: nothing to check */
  tls: boolean;
  /** common names allowed; empty = every certificate our CA signed */
  allow: readonly string[];
  /** serials revoked by --crl; absent = no CRL */
  revoked?: Pick<Revocations, 'has'>;
}

/** The common names of a client certificate (none when it has none). */
export function certificateNames(cert: PeerCertificate | undefined): string[] {
  const cn: unknown = cert?.subject?.CN;
  if (typeof cn === 'string') return [cn];
  if (Array.isArray(cn)) return cn.filter((c): c is string => typeof c === 'string');
  return [];
}

/** undefined when the call may go on; otherwise the error to answer with. */
export function authorizeCall(policy: AuthorizationPolicy, call: PeerInfo): CallError | undefined {
  if (!policy.tls) return undefined;
  const cert = call.getAuthContext()?.sslPeerCertificate;
  const names = certificateNames(cert);
  if (!cert || Object.keys(cert).length === 0 || names.length === 0) {
    return callError(
      status.UNAUTHENTICATED,
      'no client certificate with a common name: pass --cert and --key issued by `lvsctl certs issue` from this cluster\'s CA',
    );
  }
  if (policy.revoked?.has(cert.serialNumber)) {
    return callError(
      status.UNAUTHENTICATED,
      `client certificate CN=${names.join(',')} (serial ${cert.serialNumber}) is revoked by this agent's CRL: ` +
        'use another certificate (`lvsctl certs issue DIR NAME`)',
    );
  }
  if (policy.allow.length > 0 && !names.some((n) => policy.allow.includes(n))) {
    return callError(
      status.PERMISSION_DENIED,
      `client certificate CN=${names.join(',')} is not allowed here; this agent allows ${policy.allow.join(', ')}: ` +
        'use a certificate issued with one of those names, or add the name to the agent\'s --allow',
    );
  }
  return undefined;
}
