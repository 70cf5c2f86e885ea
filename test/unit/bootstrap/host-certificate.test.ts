import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostCertificateError, hostCertificate } from '../../../controller/bootstrap/host-certificate';
import { initCertDir, issueIntoCertDir } from '../../../controller/certs/cert-dir';
import { revokeInCertDir } from '../../../controller/certs/revocation-dir';

describe('bootstrap\'s host certificate from the CA dir', () => {
  let dir: string;
  const now = new Date();
  before(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'lvsctl-host-cert-')), 'pki');
    await initCertDir(dir, now);
    await issueIntoCertDir(dir, 'web1', { ips: ['10.0.0.11'], dnsNames: [] }, now);
    await issueIntoCertDir(dir, 'web2', { ips: ['10.0.0.12'], dnsNames: [] }, now);
    await revokeInCertDir(dir, 'web1', now);
  });
  after(() => rm(join(dir, '..'), { recursive: true, force: true }));

  it('takes a certificate that fits, as it is', async () => {
    assert.equal((await hostCertificate(dir, 'web2', '10.0.0.12', now, false)).kind, 'present');
  });

  it('refuses to install a revoked certificate again, with --check too, naming the files to remove', async () => {
    for (const check of [false, true]) {
      await assert.rejects(hostCertificate(dir, 'web1', '10.0.0.11', now, check), (e: unknown) =>
        e instanceof HostCertificateError &&
        /web1\.crt was revoked \(serial [0-9A-F]+, in .*revoked\.json\): remove .*web1\.crt and .*web1\.key, and bootstrap again \(it issues a new one\)/.test(e.message));
    }
  });
});
