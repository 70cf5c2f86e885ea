// Reads and cross-checks the three PEM files of mutual TLS (CA, certificate, key), so a
// wrong file is reported by name at start-up rather than as an opaque handshake failure
// on the first call. Used by the agent (server side) and the controller (client side).
import { X509Certificate, createPrivateKey, type KeyObject } from 'crypto';
import { SmallFileError, readSmallFileSync } from '../small-file';

export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

export interface TlsMaterial {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  /** the certificate's subject common name, for logs */
  commonName: string;
  /** when the certificate expires (its notAfter) */
  notAfter: Date;
  /** the controller's check of the agents: the CA's revocation list (PEM), when it has one */
  crl?: Buffer;
}

/** A TLS file that cannot be used: which file, what is wrong, how to fix it. */
export class TlsFileError extends Error {
  constructor(readonly file: string, readonly problem: string, readonly fix: string) {
    super(`${file}: ${problem} (${fix})`);
  }
}

const MAKE_CERTS = 'make them with `lvsctl certs init DIR` and `lvsctl certs issue DIR NAME`';

/** A PEM certificate or key is a few KiB; a CA bundle of many certificates still far below this. */
export const MAX_PEM_BYTES = 1024 * 1024;

function readPem(file: string, what: string): Buffer {
  try {
    return readSmallFileSync(file, MAX_PEM_BYTES);
  } catch (err) {
    if (err instanceof SmallFileError) throw new TlsFileError(file, `the ${what} ${err.problem}`, 'give the path of the PEM file itself');
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable by this user' : `cannot be read (${code ?? String(err)})`;
    throw new TlsFileError(file, `the ${what} ${reason}`, code === 'EACCES' ? 'check its owner and mode' : MAKE_CERTS);
  }
}

function parseCertificate(file: string, pem: Buffer, what: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw new TlsFileError(file, `is not a PEM ${what}`, `pass the ${what} file here; ${MAKE_CERTS}`);
  }
}

function parseKey(file: string, pem: Buffer): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch {
    throw new TlsFileError(file, 'is not a PEM private key (or it is encrypted)', `pass the unencrypted key issued with the certificate; ${MAKE_CERTS}`);
  }
}

export function commonNameOf(subject: string): string {
  const line = subject.split('\n').find((l) => l.startsWith('CN='));
  return line ? line.slice(3) : '';
}

/** Reads the three files and checks they belong together; `now` is injected for tests. */
export function readTlsFiles(files: TlsFiles, now: Date = new Date()): TlsMaterial {
  const ca = readPem(files.ca, 'CA certificate');
  const cert = readPem(files.cert, 'certificate');
  const key = readPem(files.key, 'private key');
  const caCert = parseCertificate(files.ca, ca, 'CA certificate');
  const ownCert = parseCertificate(files.cert, cert, 'certificate');
  const privateKey = parseKey(files.key, key);
  if (!caCert.ca) {
    throw new TlsFileError(files.ca, 'is not a CA certificate', 'pass DIR/ca.crt made by `lvsctl certs init DIR`');
  }
  if (!ownCert.checkPrivateKey(privateKey)) {
    throw new TlsFileError(files.key, `does not belong to the certificate ${files.cert}`, 'pass the .key file issued together with that .crt');
  }
  if (!ownCert.checkIssued(caCert) || !ownCert.verify(caCert.publicKey)) {
    throw new TlsFileError(files.cert, `is not signed by the CA ${files.ca}`, 'issue it from that CA with `lvsctl certs issue DIR NAME`, or pass the CA that signed it');
  }
  const notAfter = new Date(ownCert.validTo);
  if (notAfter.getTime() < now.getTime()) {
    throw new TlsFileError(files.cert, `expired on ${notAfter.toISOString()}`, 'issue a new one with `lvsctl certs issue DIR NAME`');
  }
  return { ca, cert, key, commonName: commonNameOf(ownCert.subject), notAfter };
}
