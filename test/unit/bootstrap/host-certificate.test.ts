import { strict as assert } from 'node:assert';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
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
    // web3's files hold web2's key: an interrupted copy, a key restored from the wrong backup
    await issueIntoCertDir(dir, 'web3', { ips: ['10.0.0.13'], dnsNames: [] }, now);
    await rm(join(dir, 'web3.key'));
    await copyFile(join(dir, 'web2.key'), join(dir, 'web3.key'));
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

  it('refuses a certificate whose key is not its own, with --check too: installed, the agent would not start', async () => {
    for (const check of [false, true]) {
      await assert.rejects(hostCertificate(dir, 'web3', '10.0.0.13', now, check), (e: unknown) =>
        e instanceof HostCertificateError && /web3\.key is not the key of .*web3\.crt: put that certificate's own key back, or remove both/.test(e.message));
    }
  });

  it('refuses a host named after the CA\'s files or after a controller the agents allow, before reading any file', async () => {
    await assert.rejects(hostCertificate(dir, 'ca', '10.0.0.14', now, true), (e: unknown) =>
      e instanceof HostCertificateError && /a host named "ca" would take .*ca\.crt and .*ca\.key, the CA's own files, as its certificate: give the host another name in the plan/.test(e.message));
    await assert.rejects(hostCertificate(dir, 'controller', '10.0.0.14', now, true, ['controller']), (e: unknown) =>
      e instanceof HostCertificateError && /the agents accept the certificate named "controller" as a controller \(--allow controller\): a host of that name would get a controller's identity/.test(e.message));
    const long = `h${'x'.repeat(69)}`;
    await assert.rejects(hostCertificate(dir, long, '10.0.0.14', now, true), (e: unknown) =>
      e instanceof HostCertificateError && /cannot name a certificate \(1-63 letters/.test(e.message));
  });
});
