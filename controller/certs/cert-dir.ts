// The certificate directory of a cluster: DIR/ca.crt + DIR/ca.key, and DIR/NAME.crt +
// DIR/NAME.key per host or controller. Keys are written 0600 and nothing is overwritten:
// replacing a CA by accident would lock every agent out.
import { createPrivateKey, createPublicKey, randomBytes, X509Certificate } from 'crypto';
import { promises as fs } from 'fs';
import { join } from 'path';
import { createCertificateAuthority, issueCertificate, type PemPair } from './authority';
import { fileInTheWay } from '../../lvs/errors';
import { makeDirectory } from '../../lvs/make-directory';

export const CERT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** A certificate directory problem, phrased for the operator. */
export class CertDirError extends Error {}

export interface WrittenFiles {
  cert: string;
  key: string;
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

async function writeNew(file: string, text: string, mode: number): Promise<void> {
  try {
    // 'wx': fail if the file appeared since we looked, rather than overwrite it
    await fs.writeFile(file, text, { mode, flag: 'wx' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new CertDirError(`${file} already exists; remove it first if you really mean to replace it`);
    throw new CertDirError(`cannot write ${file}: ${code ?? String(err)} (check that the directory is writable)`);
  }
  await fs.chmod(file, mode); // the umask may have narrowed or widened nothing; make it exact
}

async function writePair(dir: string, base: string, pair: PemPair): Promise<WrittenFiles> {
  const files = { cert: join(dir, `${base}.crt`), key: join(dir, `${base}.key`) };
  for (const file of [files.cert, files.key]) {
    if (await exists(file)) throw new CertDirError(`${file} already exists; remove it first if you really mean to replace it`);
  }
  await writeNew(files.key, pair.keyPem, 0o600);
  await writeNew(files.cert, pair.certPem, 0o644);
  return files;
}

export async function initCertDir(dir: string, now: Date): Promise<WrittenFiles> {
  if (await exists(join(dir, 'ca.crt')) || await exists(join(dir, 'ca.key'))) {
    throw new CertDirError(
      `${dir} already holds a CA (ca.crt or ca.key); refusing to replace it, since every certificate it issued would stop working. ` +
        'Use another DIR for a new CA',
    );
  }
  try {
    await makeDirectory(dir, 0o700);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = fileInTheWay(code)
      ?? (code === 'EACCES' ? 'cannot be created here (EACCES): check that its parent directory is writable' : `cannot be created (${code ?? String(err)})`);
    throw new CertDirError(`${dir}: ${why}; choose another DIR`);
  }
  // A random tag keeps two CAs made on one day apart: OpenSSL finds an issuer by its name, and
  // an agent certificate of the other CA was then blamed on the CRL, not on its CA.
  const ca = await createCertificateAuthority(`lvsctl CA ${now.toISOString().slice(0, 10)} ${randomBytes(4).toString('hex')}`, now);
  return writePair(dir, 'ca', ca);
}

/**
 * Why ca.key cannot sign for ca.crt, or undefined when it can: a key that is not one, or the
 * key of another CA (whose signatures no agent trusting ca.crt would accept).
 */
function caPairProblem(dir: string, pair: PemPair): string | undefined {
  const [certFile, keyFile] = [join(dir, 'ca.crt'), join(dir, 'ca.key')];
  let certKey: Buffer;
  try {
    certKey = new X509Certificate(pair.certPem).publicKey.export({ type: 'spki', format: 'der' });
  } catch {
    return `${certFile} is not a PEM certificate: put the CA's certificate back`;
  }
  let keyOfKey: Buffer;
  try {
    keyOfKey = createPublicKey(createPrivateKey(pair.keyPem)).export({ type: 'spki', format: 'der' });
  } catch {
    return `${keyFile} is not a PEM private key: put the CA's key back`;
  }
  if (!certKey.equals(keyOfKey)) return `${keyFile} is not the key of ${certFile} (another CA's?): put the CA's own key back; what it signed no agent trusting ${certFile} would accept`;
  return undefined;
}

export async function readCa(dir: string): Promise<PemPair> {
  try {
    const [certPem, keyPem] = await Promise.all([
      fs.readFile(join(dir, 'ca.crt'), 'utf8'),
      fs.readFile(join(dir, 'ca.key'), 'utf8'),
    ]);
    const problem = caPairProblem(dir, { certPem, keyPem });
    if (problem) throw new CertDirError(problem);
    return { certPem, keyPem };
  } catch (err) {
    if (err instanceof CertDirError) throw err;
    const file = (err as NodeJS.ErrnoException).path ?? join(dir, 'ca.*');
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    // the certificate without its key: the CA exists, and a new one would orphan every certificate it issued
    if (code === 'ENOENT' && file === join(dir, 'ca.key') && await exists(join(dir, 'ca.crt'))) {
      throw new CertDirError(`cannot read ${file}: ENOENT: ${dir} holds the CA's certificate but not its key; put ca.key back from where it is kept (a new CA would mean new certificates for every agent and controller)`);
    }
    // the key without the certificate: `certs init` refuses this directory, so "create the CA" would loop
    if (code === 'ENOENT' && file === join(dir, 'ca.crt') && await exists(join(dir, 'ca.key'))) {
      throw new CertDirError(
        `cannot read ${file}: ENOENT: ${dir} holds the CA's key but not its certificate; put ca.crt back from where it is kept, ` +
          `or, if \`lvsctl certs init\` was stopped before it wrote ca.crt (so this CA issued nothing), remove ${join(dir, 'ca.key')} and run \`lvsctl certs init ${dir}\` again`,
      );
    }
    throw new CertDirError(`cannot read ${file}: ${code} (create the CA first with \`lvsctl certs init ${dir}\`)`);
  }
}

export async function issueIntoCertDir(
  dir: string,
  name: string,
  sans: { ips: string[]; dnsNames: string[] },
  now: Date,
): Promise<WrittenFiles> {
  if (!CERT_NAME_PATTERN.test(name) || name === 'ca') {
    throw new CertDirError(`NAME ${JSON.stringify(name)}: must be 1-63 letters, digits, ".", "_" or "-" (not "ca"), e.g. a host name of the plan`);
  }
  const ca = await readCa(dir);
  let pair: PemPair;
  try {
    pair = await issueCertificate(ca, { name, ips: sans.ips, dnsNames: sans.dnsNames }, now);
  } catch (err) {
    throw new CertDirError(err instanceof Error ? err.message : String(err));
  }
  return writePair(dir, name, pair);
}
