// Real certificates for tests, made by lvsctl's own certs code in a temp dir (none committed).
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { initCertDir, issueIntoCertDir } from '../../../controller/certs/cert-dir';
import { revokeInCertDir } from '../../../controller/certs/revocation-dir';
import type { TlsFiles } from '../../../lvs/wire/tls-files';

export interface TestPki {
  root: string;
  /** the cluster CA and the agent's certificate (CN=lvs1, IP 127.0.0.1) */
  agent: TlsFiles;
  /** CN=controller, from the cluster CA */
  controller: TlsFiles;
  /** CN=intruder, from the cluster CA: valid, but not in --allow */
  intruder: TlsFiles;
  /** CN=controller from another CA */
  stranger: TlsFiles;
  /** CN=lvs1 from the cluster CA, without 127.0.0.1 (for the name check) */
  agentWithoutIp: TlsFiles;
  /** CN=expired-ctl, from the cluster CA, expired 75 days ago */
  expired: TlsFiles;
  /** CN=early-ctl, from the cluster CA, valid from 30 days on */
  early: TlsFiles;
  /** CN=revoked-ctl, from the cluster CA, listed in `crl` */
  revoked: TlsFiles;
  /** the cluster CA's CRL (cluster/crl.pem), listing revoked-ctl */
  crl: string;
  /** the cluster CA's directory (ca.crt, ca.key, every NAME.crt) */
  clusterDir: string;
  cleanup(): void;
}

function files(dir: string, name: string): TlsFiles {
  return { ca: join(dir, 'ca.crt'), cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
}

export async function makeTestPki(): Promise<TestPki> {
  const root = mkdtempSync(join(tmpdir(), 'lvsctl-pki-'));
  const cluster = join(root, 'cluster');
  const other = join(root, 'other');
  const now = new Date();
  await initCertDir(cluster, now);
  await initCertDir(other, now);
  await issueIntoCertDir(cluster, 'lvs1', { ips: ['127.0.0.1'], dnsNames: [] }, now);
  await issueIntoCertDir(cluster, 'controller', { ips: [], dnsNames: [] }, now);
  await issueIntoCertDir(cluster, 'intruder', { ips: [], dnsNames: [] }, now);
  await issueIntoCertDir(cluster, 'web9', { ips: ['10.9.9.9'], dnsNames: [] }, now);
  await issueIntoCertDir(other, 'controller', { ips: [], dnsNames: [] }, now);
  const day = 86_400_000;
  await issueIntoCertDir(cluster, 'expired-ctl', { ips: [], dnsNames: [] }, new Date(now.getTime() - 900 * day));
  await issueIntoCertDir(cluster, 'early-ctl', { ips: [], dnsNames: [] }, new Date(now.getTime() + 30 * day));
  await issueIntoCertDir(cluster, 'revoked-ctl', { ips: [], dnsNames: [] }, now);
  const { crl } = await revokeInCertDir(cluster, 'revoked-ctl', now);
  return {
    root,
    agent: files(cluster, 'lvs1'),
    controller: files(cluster, 'controller'),
    intruder: files(cluster, 'intruder'),
    stranger: files(other, 'controller'),
    agentWithoutIp: files(cluster, 'web9'),
    expired: files(cluster, 'expired-ctl'),
    early: files(cluster, 'early-ctl'),
    revoked: files(cluster, 'revoked-ctl'),
    crl,
    clusterDir: cluster,
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
