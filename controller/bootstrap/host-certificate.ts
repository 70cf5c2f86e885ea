// The host's certificate and key for bootstrap: DIR/HOST.crt and DIR/HOST.key when they
// already fit (issued by DIR/ca.crt, valid for the host's address, 30 days left, not
// revoked in DIR/revoked.json), else
// issued now into DIR through controller/certs, the same files `lvsctl certs issue` writes.
// With --check nothing is issued; the plan says it would be.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { CERT_NAME_PATTERN, issueIntoCertDir } from '../certs/cert-dir';
import { revokedSerials } from '../certs/revocation-dir';

const RENEW_BEFORE_MS = 30 * 86_400_000;

export type HostCertificate =
  | { kind: 'present'; cert: Buffer; key: Buffer; files: { cert: string; key: string } }
  | { kind: 'issued'; cert: Buffer; key: Buffer; files: { cert: string; key: string } }
  | { kind: 'would-issue'; files: { cert: string; key: string } };

/** A problem with the files in DIR: the host fails with this message (its fix included). */
export class HostCertificateError extends Error {}

async function readIfPresent(file: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new HostCertificateError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** Why DIR/HOST.crt does not fit, or undefined when it does. */
export function unfitReason(certPem: Buffer, caPem: Buffer, address: string, now: Date): string | undefined {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    return 'it is not a PEM certificate';
  }
  const ca = new X509Certificate(caPem);
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return 'another CA issued it';
  const valid = isIP(address) !== 0 ? cert.checkIP(address) !== undefined : cert.checkHost(address) !== undefined;
  if (!valid) return `it is not valid for the address ${address}`;
  if (new Date(cert.validTo).getTime() - now.getTime() < RENEW_BEFORE_MS) return `it expires ${new Date(cert.validTo).toISOString().slice(0, 10)}`;
  return undefined;
}

async function revokedSerialsOf(dir: string): Promise<Set<string>> {
  try {
    return await revokedSerials(dir);
  } catch (err) {
    throw new HostCertificateError(err instanceof Error ? err.message : String(err));
  }
}

/**
 * Why the plan's host name cannot name its certificate files in DIR, or undefined: too long
 * for a certificate, the CA's own files, or a name the agents take as a controller's
 * (`controllers`: their --allow), which would hand that host a controller's identity.
 */
export function hostNameProblem(dir: string, host: string, controllers: readonly string[]): string | undefined {
  const rename = 'give the host another name in the plan (its "address" may stay a long DNS name)';
  if (!CERT_NAME_PATTERN.test(host)) return `the host name "${host}" cannot name a certificate (1-63 letters, digits, ".", "_" or "-"): ${rename}`;
  if (host === 'ca') return `a host named "ca" would take ${join(dir, 'ca.crt')} and ${join(dir, 'ca.key')}, the CA's own files, as its certificate: ${rename}`;
  if (controllers.includes(host)) {
    return `the agents accept the certificate named "${host}" as a controller (--allow ${controllers.join(',')}): a host of that name would get a controller's identity; ${rename}`;
  }
  return undefined;
}

/** Whether `keyPem` is the private key of `certPem`. */
function keyFits(certPem: Buffer, keyPem: Buffer): boolean {
  try {
    return new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

export async function hostCertificate(dir: string, host: string, address: string, now: Date, check: boolean, controllers: readonly string[] = []): Promise<HostCertificate> {
  const nameProblem = hostNameProblem(dir, host, controllers);
  if (nameProblem !== undefined) throw new HostCertificateError(nameProblem);
  const files = { cert: join(dir, `${host}.crt`), key: join(dir, `${host}.key`) };
  const caFile = join(dir, 'ca.crt');
  const caPem = await readIfPresent(caFile);
  if (!caPem) throw new HostCertificateError(`no ${caFile}: create the CA with \`lvsctl certs init ${dir}\``);
  const [cert, key] = await Promise.all([readIfPresent(files.cert), readIfPresent(files.key)]);
  if (cert && key) {
    const why = unfitReason(cert, caPem, address, now);
    if (why !== undefined) {
      throw new HostCertificateError(
        `${files.cert} does not fit: ${why}; run \`lvsctl certs revoke ${dir} ${host}\` if it was in use, remove ${files.cert} and ${files.key}, and bootstrap again (it issues a new one)`,
      );
    }
    // installed, the agent would refuse to start with them: a working agent taken down
    if (!keyFits(cert, key)) {
      throw new HostCertificateError(`${files.key} is not the key of ${files.cert}: put that certificate's own key back, or remove both (and \`lvsctl certs revoke ${dir} ${host}\` if it was in use) and bootstrap again (it issues a new pair)`);
    }
    // a revoked certificate left in DIR would be installed again, and every agent with the CRL refuses it
    const serial = new X509Certificate(cert).serialNumber.toUpperCase();
    if ((await revokedSerialsOf(dir)).has(serial)) {
      throw new HostCertificateError(`${files.cert} was revoked (serial ${serial}, in ${join(dir, 'revoked.json')}): remove ${files.cert} and ${files.key}, and bootstrap again (it issues a new one)`);
    }
    return { kind: 'present', cert, key, files };
  }
  if (cert || key) {
    throw new HostCertificateError(`${cert ? files.cert : files.key} exists without ${cert ? files.key : files.cert}: remove it (or restore its pair) and bootstrap again`);
  }
  if (check) return { kind: 'would-issue', files };
  const ips = isIP(address) !== 0 ? [address] : [];
  const dnsNames = isIP(address) === 0 && address !== host ? [address] : [];
  try {
    await issueIntoCertDir(dir, host, { ips, dnsNames }, now);
  } catch (err) {
    throw new HostCertificateError(err instanceof Error ? err.message : String(err));
  }
  return { kind: 'issued', cert: await fs.readFile(files.cert), key: await fs.readFile(files.key), files };
}
