// Serials from the CRL (@peculiar/x509's hex) and from a peer certificate (Node's hex)
// compare equal however each writes them.
import { strict as assert } from 'node:assert';
import { normalizeSerial, Revocations } from '../../../agent/server/revocation';

describe('revoked serials', () => {
  it('compare whatever the case, colons and leading zeros', () => {
    assert.equal(normalizeSerial('0a:1b:FF'), 'A1BFF');
    assert.equal(normalizeSerial('000'), '0');
    const revoked = new Revocations();
    revoked.replace(['00A1BFF']);
    assert.ok(revoked.has('a1bff'));
    assert.ok(!revoked.has('A1BF0'));
    assert.ok(!revoked.has(undefined));
  });
});
