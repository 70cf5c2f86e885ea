// Which side of a failed TLS handshake said no, from Node's error: the agent sent an alert
// about our certificate, we did not trust its certificate, it does not speak TLS, or it
// closed the connection without a word. Only the first is "it refused our certificate".
export type TlsFailure =
  /** a TLS alert from the agent about the certificate we presented */
  | { kind: 'refused-our-certificate'; alert: string }
  /** another TLS alert from the agent (protocol version, ALPN…) */
  | { kind: 'alert'; alert: string }
  /** our check of the agent's certificate failed: not from our CA, expired… */
  | { kind: 'untrusted'; code: string }
  /** the agent's certificate is on our CRL (--crl) */
  | { kind: 'revoked' }
  /** our CRL (--crl) could not be used for the agent's certificate: not from its CA, expired… */
  | { kind: 'crl'; code: string }
  /** the agent's certificate is fine but names neither the address nor the host */
  | { kind: 'name-mismatch' }
  /** what came back is not TLS (an --insecure agent, an HTTP server…) */
  | { kind: 'not-tls' }
  /** the connection closed mid-handshake without an alert */
  | { kind: 'closed' }
  | { kind: 'other'; message: string };

const ALERT = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13)_ALERT_([A-Z_]+)$/;

/** Alerts a server sends when it does not accept the client's certificate (RFC 8446 §6.2). */
const CERTIFICATE_ALERTS = new Set([
  'CERTIFICATE_REQUIRED', 'BAD_CERTIFICATE', 'UNKNOWN_CA', 'CERTIFICATE_EXPIRED', 'CERTIFICATE_REVOKED',
  'CERTIFICATE_UNKNOWN', 'UNSUPPORTED_CERTIFICATE', 'ACCESS_DENIED',
]);

/** OpenSSL's verification results for the peer's certificate, as Node names them. */
const UNTRUSTED = new Set([
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_SIGNATURE_FAILURE', 'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED', 'CERT_UNTRUSTED', 'CERT_REJECTED', 'CERT_CHAIN_TOO_LONG', 'INVALID_CA',
]);

/** OpenSSL's verification results about the CRL itself, as Node names them. */
const CRL_PROBLEMS = new Set(['UNABLE_TO_GET_CRL', 'UNABLE_TO_DECRYPT_CRL_SIGNATURE', 'CRL_SIGNATURE_FAILURE', 'CRL_NOT_YET_VALID', 'CRL_HAS_EXPIRED', 'ERROR_IN_CRL_LAST_UPDATE_FIELD', 'ERROR_IN_CRL_NEXT_UPDATE_FIELD']);

const NOT_TLS = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ERR_SSL_HTTP_REQUEST', 'ERR_SSL_RECORD_LAYER_FAILURE']);

const CLOSED = new Set(['ECONNRESET', 'EPIPE', 'ERR_SSL_UNEXPECTED_EOF_WHILE_READING']);

export function classifyTlsError(error: Error): TlsFailure {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const alert = ALERT.exec(code)?.[1];
  if (alert) return CERTIFICATE_ALERTS.has(alert) ? { kind: 'refused-our-certificate', alert: alertName(alert) } : { kind: 'alert', alert: alertName(alert) };
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return { kind: 'name-mismatch' };
  if (code === 'CERT_REVOKED') return { kind: 'revoked' };
  if (CRL_PROBLEMS.has(code)) return { kind: 'crl', code };
  if (UNTRUSTED.has(code)) return { kind: 'untrusted', code };
  if (NOT_TLS.has(code)) return { kind: 'not-tls' };
  if (CLOSED.has(code) || /disconnected before secure TLS connection/i.test(error.message)) return { kind: 'closed' };
  return { kind: 'other', message: error.message };
}

/** True for an alert about our certificate: with TLS 1.3 it can arrive after our side finished. */
export function isCertificateAlert(error: Error | undefined): boolean {
  return error !== undefined && classifyTlsError(error).kind === 'refused-our-certificate';
}

/** "certificate required", as the RFC names it. */
function alertName(code: string): string {
  return code.toLowerCase().replace(/_/g, ' ');
}
