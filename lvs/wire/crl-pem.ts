// Reads a CRL file (--crl): the agent's for its clients, the controller's for its agents. A file
// that is missing, unreadable or no PEM CRL is named here with its fix; what it says (issuer,
// signature, dates) is for the caller to check. Used by agent/server/transport/crl-file.ts and
// controller/client/tls-options.ts.
import { SmallFileError, readSmallFileSync } from '../small-file';
import { TlsFileError } from './tls-files';

/** A CRL lists revoked serials, ~40 bytes each: 16 MiB is hundreds of thousands of them. */
export const MAX_CRL_BYTES = 16 * 1024 * 1024;

export const MAKE_CRL = 'make it with `lvsctl certs crl DIR` (or `lvsctl certs revoke DIR NAME`) from the CA directory';

export function readCrlPem(file: string): Buffer {
  let pem: Buffer;
  try {
    pem = readSmallFileSync(file, MAX_CRL_BYTES);
  } catch (err) {
    if (err instanceof SmallFileError) throw new TlsFileError(file, `the CRL ${err.problem}`, MAKE_CRL);
    const code = (err as NodeJS.ErrnoException).code;
    throw new TlsFileError(file, `the CRL ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(err)})`}`, MAKE_CRL);
  }
  if (!pem.toString('latin1').includes('-----BEGIN X509 CRL-----')) {
    throw new TlsFileError(file, 'is not a PEM certificate revocation list (-----BEGIN X509 CRL-----)', MAKE_CRL);
  }
  return pem;
}
