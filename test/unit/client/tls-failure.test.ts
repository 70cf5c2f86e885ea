import assert from 'assert';
import { classifyTlsError, isCertificateAlert } from '../../../controller/client/tls-failure';

function nodeError(code: string | undefined, message = 'x'): Error {
  return Object.assign(new Error(message), code ? { code } : {});
}

describe('which side of a failed TLS handshake said no', () => {
  it('an alert about our certificate is the agent refusing it, with the alert named', () => {
    assert.deepStrictEqual(classifyTlsError(nodeError('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED')), { kind: 'refused-our-certificate', alert: 'certificate required' });
    assert.deepStrictEqual(classifyTlsError(nodeError('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA')), { kind: 'refused-our-certificate', alert: 'unknown ca' });
    assert.deepStrictEqual(classifyTlsError(nodeError('ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE')), { kind: 'refused-our-certificate', alert: 'bad certificate' });
    assert.ok(isCertificateAlert(nodeError('ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED')));
  });

  it('another alert is not about our certificate', () => {
    assert.deepStrictEqual(classifyTlsError(nodeError('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION')), { kind: 'alert', alert: 'protocol version' });
    assert.ok(!isCertificateAlert(nodeError('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION')));
    assert.ok(!isCertificateAlert(undefined));
  });

  it('our own check of the agent\'s certificate failing is ours, not the agent\'s refusal', () => {
    assert.deepStrictEqual(classifyTlsError(nodeError('SELF_SIGNED_CERT_IN_CHAIN')), { kind: 'untrusted', code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    assert.deepStrictEqual(classifyTlsError(nodeError('CERT_HAS_EXPIRED')), { kind: 'untrusted', code: 'CERT_HAS_EXPIRED' });
    assert.deepStrictEqual(classifyTlsError(nodeError('ERR_TLS_CERT_ALTNAME_INVALID')), { kind: 'name-mismatch' });
  });

  it('a peer that does not speak TLS, and one that closes without a word', () => {
    assert.deepStrictEqual(classifyTlsError(nodeError('ERR_SSL_WRONG_VERSION_NUMBER')), { kind: 'not-tls' });
    assert.deepStrictEqual(classifyTlsError(nodeError('ECONNRESET', 'Client network socket disconnected before secure TLS connection was established')), { kind: 'closed' });
    assert.deepStrictEqual(classifyTlsError(nodeError(undefined, 'Client network socket disconnected before secure TLS connection was established')), { kind: 'closed' });
    assert.deepStrictEqual(classifyTlsError(nodeError('EWHATEVER', 'odd')), { kind: 'other', message: 'odd' });
  });
});
