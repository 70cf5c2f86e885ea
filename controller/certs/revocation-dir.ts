// Revocation in the certificate directory: DIR/revoked.json records every revoked
// certificate (serial, name, when), and DIR/crl.pem is the CA-signed list the agents read
// with --crl. Both are written by temp file + rename, so an agent reloading (or a copy
// running) never reads half a file.
import { X509Certificate } from 'crypto';
import { promises as fs } from 'fs';
import { join } from 'path';
import { CERT_NAME_PATTERN, CertDirError, readCa } from './cert-dir';
import { createRevocationList } from './crl';

export const REVOKED_FILE = 'revoked.json';
export const CRL_FILE = 'crl.pem';

export interface RevokedRecord {
  serial: string;
  name: string;
  revokedAt: string;
}

export interface CrlWritten {
  crl: string;
  /** how many certificates it lists */
  revoked: number;
  /** when it lapses: the CA's own end */
  nextUpdate: Date;
}

export interface Revoked extends CrlWritten {
  serial: string;
  /** it was in revoked.json already; the CRL was written again */
  already: boolean;
}

async function writeAtomically(file: string, text: string, mode: number): Promise<void> {
  const temp = `${file}.tmp-${process.pid}`;
  try {
    await fs.writeFile(temp, text, { mode });
    await fs.chmod(temp, mode);
    await fs.rename(temp, file);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw new CertDirError(`cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)} (check that the directory is writable)`);
  }
}

async function readRecords(dir: string): Promise<RevokedRecord[]> {
  const file = join(dir, REVOKED_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new CertDirError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let records: unknown;
  try {
    records = JSON.parse(text);
  } catch {
    records = undefined;
  }
  const valid = Array.isArray(records) && records.every((r: unknown) => {
    const rec = r as Partial<RevokedRecord> | null;
    return typeof rec?.serial === 'string' && /^[0-9A-Fa-f]{1,40}$/.test(rec.serial) && typeof rec.name === 'string' &&
      typeof rec.revokedAt === 'string' && !Number.isNaN(Date.parse(rec.revokedAt));
  });
  if (!valid) throw new CertDirError(`${file} is not a list of {serial, name, revokedAt}: restore it from a backup (it is the record of what was revoked)`);
  return records as RevokedRecord[];
}

async function writeCrl(dir: string, records: RevokedRecord[], now: Date): Promise<CrlWritten> {
  const ca = await readCa(dir);
  const pem = await createRevocationList(ca, records.map((r) => ({ serial: r.serial, revokedAt: new Date(r.revokedAt) })), now);
  const file = join(dir, CRL_FILE);
  await writeAtomically(file, pem, 0o644);
  return { crl: file, revoked: records.length, nextUpdate: new Date(new X509Certificate(ca.certPem).validTo) };
}

/** The CRL DIR/crl.pem would hold, made in memory and not written (a --check's preview). */
export async function crlOfCertDir(dir: string, now: Date): Promise<string> {
  const records = await readRecords(dir);
  return createRevocationList(await readCa(dir), records.map((r) => ({ serial: r.serial, revokedAt: new Date(r.revokedAt) })), now);
}

/** DIR/crl.pem from DIR/revoked.json (an empty list when nothing was revoked yet). */
export async function writeCrlOfCertDir(dir: string, now: Date): Promise<CrlWritten> {
  return writeCrl(dir, await readRecords(dir), now);
}

/** The serials DIR/revoked.json lists (upper-case hex), to refuse a revoked certificate before it is installed anew. */
export async function revokedSerials(dir: string): Promise<Set<string>> {
  return new Set((await readRecords(dir)).map((r) => r.serial.toUpperCase()));
}

/** Records DIR/NAME.crt as revoked and writes DIR/crl.pem again. */
export async function revokeInCertDir(dir: string, name: string, now: Date): Promise<Revoked> {
  if (!CERT_NAME_PATTERN.test(name) || name === 'ca') {
    throw new CertDirError(`NAME ${JSON.stringify(name)}: must be the name of a certificate issued with \`lvsctl certs issue\` (not "ca")`);
  }
  const ca = await readCa(dir);
  const certFile = join(dir, `${name}.crt`);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(await fs.readFile(certFile));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CertDirError(code ? `cannot read ${certFile}: ${code} (revoke reads the certificate to learn its serial)` : `${certFile} is not a PEM certificate`);
  }
  const caCert = new X509Certificate(ca.certPem);
  if (!cert.checkIssued(caCert) || !cert.verify(caCert.publicKey)) {
    throw new CertDirError(`${certFile} was not issued by ${join(dir, 'ca.crt')}: only the CA that signed a certificate can revoke it`);
  }
  const records = await readRecords(dir);
  const serial = cert.serialNumber.toUpperCase();
  const already = records.some((r) => r.serial.toUpperCase() === serial);
  const next = already ? records : [...records, { serial, name, revokedAt: now.toISOString() }];
  if (!already) await writeAtomically(join(dir, REVOKED_FILE), `${JSON.stringify(next, null, 2)}\n`, 0o644);
  return { ...(await writeCrl(dir, next, now)), serial, already };
}
