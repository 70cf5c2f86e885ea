// Whether a CRL is the CA's own (issued under the CA certificate's name), asked only when a
// handshake failed with UNABLE_TO_GET_CRL: then the agent's certificate, not the CRL, is from
// another CA. @peculiar/x509 is loaded here, on that failure, not at every command's start.
import type * as X509 from '@peculiar/x509';

/** true or false when both parse; undefined when either does not (the caller says both causes). */
export function crlIssuedByCa(caPem: Buffer, crlPem: Buffer): boolean | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('reflect-metadata'); // @peculiar/x509 (through tsyringe) needs the Reflect metadata API
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const x509 = require('@peculiar/x509') as typeof X509;
    const ca = new x509.X509Certificate(firstPem(caPem.toString('utf8'), 'CERTIFICATE'));
    const crl = new x509.X509Crl(firstPem(crlPem.toString('utf8'), 'X509 CRL'));
    return crl.issuer === ca.subject;
  } catch {
    return undefined;
  }
}

/** The first PEM block of that label. */
function firstPem(text: string, label: string): string {
  const match = new RegExp(`-----BEGIN ${label}-----[\\s\\S]*?-----END ${label}-----`).exec(text);
  if (!match) throw new Error(`no ${label}`);
  return match[0];
}
