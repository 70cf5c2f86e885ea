import assert from 'assert';
import { identityWarnings } from '../../../agent/server/transport/identity-warnings';
import type { TlsIdentity } from '../../../agent/server/transport/tls-identity';

const identityUntil = (notAfter: Date, crl = true): TlsIdentity =>
  ({ material: { ca: Buffer.alloc(0), cert: Buffer.alloc(0), key: Buffer.alloc(0), commonName: 'lvs1', notAfter }, ...(crl ? { crl: {} } : {}) }) as TlsIdentity;

describe('the warnings an agent logs about its TLS identity', () => {
  const now = new Date('2026-12-06T00:00:00Z');

  it('warns of no --allow, and of a certificate with less than 30 days left, with the day it ends', () => {
    const soon = identityWarnings(identityUntil(new Date('2026-12-16T00:00:00Z')), [], now);
    assert.strictEqual(soon.length, 2);
    assert.match(soon[0].message, /^any certificate the CA signed may call this agent/);
    assert.match(soon[1].message, /^the agent's certificate expires in 10 day\(s\)/);
    assert.strictEqual(soon[1].fields.expires, '2026-12-16T00:00:00.000Z');
  });

  it('warns of no --crl: a revoked certificate would still be served', () => {
    const warnings = identityWarnings(identityUntil(new Date('2027-06-01T00:00:00Z'), false), ['controller'], now);
    assert.deepStrictEqual(warnings.map((w) => w.message), [
      'no --crl: a certificate revoked with lvsctl certs revoke (a stolen controller key) is still served here: start the agent with --crl FILE, the CA directory\'s crl.pem (lvsctl bootstrap writes --crl)',
    ]);
  });

  it('says nothing with --allow, --crl and a certificate good for months', () => {
    assert.deepStrictEqual(identityWarnings(identityUntil(new Date('2027-06-01T00:00:00Z')), ['controller'], now), []);
  });
});
