import { strict as assert } from 'node:assert';
import { CertificateExpiryWarnings } from '../../../controller/client/certificate-expiry-warnings';
import type { ClientTls } from '../../../controller/client/tls-options';

const NOW = new Date('2026-12-07T06:00:00Z');

function tlsUntil(notAfter: Date): ClientTls {
  return {
    kind: 'mtls',
    // files named otherwise than the certificate: --allow names its common name
    files: { ca: '/etc/lvsctl/pki/ca.crt', cert: '/home/ops/.config/lvsctl/client.pem', key: '/home/ops/.config/lvsctl/client.key' },
    material: { ca: Buffer.alloc(0), cert: Buffer.alloc(0), key: Buffer.alloc(0), commonName: 'ops', notAfter },
  };
}

describe('warnings of certificates close to their end (the controller side)', () => {
  function warningsAt(now: Date) {
    const lines: string[] = [];
    return { lines, warnings: new CertificateExpiryWarnings((line) => lines.push(line), () => now) };
  }

  it('names the controller\'s certificate file, its day and the certs issue that renews it: by its common name, in the CA\'s directory', () => {
    const { lines, warnings } = warningsAt(NOW);
    warnings.controller(tlsUntil(new Date('2026-12-20T08:00:00Z')));
    assert.deepEqual(lines, [
      "warning: the controller's certificate /home/ops/.config/lvsctl/client.pem (ops) expires on 2026-12-20 (in 13 days); after that every agent refuses it. " +
        'Renew it in the CA directory /etc/lvsctl/pki: move ops.crt and ops.key there aside (certs issue makes no pair over one), run lvsctl certs issue /etc/lvsctl/pki ops, ' +
        'then point --cert/--key (or LVSCTL_CERT/LVSCTL_KEY) at the new /etc/lvsctl/pki/ops.crt and .key\n',
    ]);
  });

  it('warns of an agent once, however many connections it opens, and of each agent', () => {
    const { lines, warnings } = warningsAt(NOW);
    const soon = new Date('2026-12-08T07:00:00Z');
    warnings.agent('lvs1', soon);
    warnings.agent('lvs1', soon);
    warnings.agent('lvs2', new Date('2026-12-07T12:00:00Z'));
    assert.equal(lines.length, 2);
    assert.match(lines[0] as string, /^warning: the certificate of lvs1's agent expires on 2026-12-08 \(in 1 day\);/);
    assert.match(lines[1] as string, /^warning: the certificate of lvs2's agent expires on 2026-12-07 \(within a day\);/);
  });

  it('is silent at 30 days left and more, and with --insecure', () => {
    const { lines, warnings } = warningsAt(NOW);
    warnings.controller(tlsUntil(new Date(NOW.getTime() + 30 * 86_400_000)));
    warnings.controller({ kind: 'insecure' });
    warnings.agent('lvs1', new Date(NOW.getTime() + 400 * 86_400_000));
    assert.deepEqual(lines, []);
  });

  it('warns at 29 days left', () => {
    const { lines, warnings } = warningsAt(NOW);
    warnings.agent('lvs1', new Date(NOW.getTime() + 29.5 * 86_400_000));
    assert.match(lines[0] ?? '', /in 29 days/);
  });
});
