// Why a connection that finished its TLS handshake is refused, in words an operator can
// act on, with the certificate's name and serial (never the certificate itself). The
// listener asks Node not to reject bad client certificates by itself, because Node then
// closes the socket without saying anything, and decides here instead.
import type { PeerCertificate, TLSSocket } from 'tls';

export interface Refusal {
  reason: string;
  /** OpenSSL's verification code, e.g. CERT_HAS_EXPIRED */
  code?: string;
  /** the common name the client certificate claims (unverified when refused), at most 64 characters */
  certificate?: string;
  serial?: string;
}

const NOT_OUR_CA = new Set([
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_SIGNATURE_FAILURE', 'CERT_CHAIN_TOO_LONG',
]);

function reasonFor(code: string, cert: PeerCertificate): string {
  if (code === 'CERT_HAS_EXPIRED') return `the client certificate expired on ${cert.valid_to}`;
  if (code === 'CERT_NOT_YET_VALID') return `the client certificate is not valid before ${cert.valid_from}`;
  if (code === 'CERT_REVOKED') return 'the client certificate is revoked (--crl)';
  if (NOT_OUR_CA.has(code)) return 'the client certificate is not signed by this agent\'s CA (--ca)';
  if (code === 'CRL_HAS_EXPIRED') return 'this agent\'s CRL (--crl) is past its next update: write a new one with `lvsctl certs crl DIR`, copy it here and reload (SIGHUP)';
  if (code === 'UNABLE_TO_GET_CRL') return 'this agent\'s CRL (--crl) is not from the CA that signed the client certificate';
  return `the client certificate did not verify (${code})`;
}

function commonName(cert: PeerCertificate): string | undefined {
  const cn: unknown = cert.subject?.CN;
  const text = typeof cn === 'string' ? cn : Array.isArray(cn) ? cn.filter((c) => typeof c === 'string').join(',') : undefined;
  return text === undefined ? undefined : text.slice(0, 64);
}

/** undefined when the connection may be handed to gRPC. */
export function refusalOf(socket: TLSSocket): Refusal | undefined {
  if (socket.alpnProtocol !== 'h2') {
    return { reason: 'the client did not negotiate HTTP/2 (ALPN "h2"): it is not a gRPC client' };
  }
  // Verified against the CA (and CRL): it holds a certificate, and nothing needs parsing it
  // into an object here (each getPeerCertificate() does); only a refusal names it.
  if (socket.authorized) return undefined;
  const cert = socket.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) {
    return { reason: 'the client presented no certificate: pass --cert and --key issued by `lvsctl certs issue` from this cluster\'s CA' };
  }
  const named = { ...(commonName(cert) !== undefined ? { certificate: commonName(cert) } : {}), serial: cert.serialNumber };
  const error: unknown = socket.authorizationError;
  const code = typeof error === 'string' ? error : error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : 'UNKNOWN';
  return { reason: reasonFor(code, cert), code, ...named };
}
