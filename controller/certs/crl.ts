// The cluster CA's certificate revocation list, in memory (PEM text out): every revoked
// serial, signed by the CA key. Valid until the CA itself expires, so an agent's --crl
// never lapses on its own (OpenSSL refuses every client once a CRL is past its next update).
import 'reflect-metadata'; // @peculiar/x509 (through tsyringe) needs the Reflect metadata API
import * as x509 from '@peculiar/x509';
import { crypto, importCaKey, SIGNING_ALGORITHM, type PemPair } from './authority';

export interface RevokedSerial {
  /** hexadecimal, as `openssl x509 -serial` and Node print it */
  serial: string;
  revokedAt: Date;
}

type SigningKeyLike = x509.X509CrlCreateParams['signingKey'];

/** A DER INTEGER is signed: a serial whose first bit is set needs a leading zero byte. */
function positiveHex(serial: string): string {
  const hex = serial.replace(/[:\s]/g, '').toLowerCase();
  const even = hex.length % 2 === 1 ? `0${hex}` : hex;
  return /^[89a-f]/.test(even) ? `00${even}` : even;
}

export async function createRevocationList(ca: PemPair, revoked: RevokedSerial[], now: Date): Promise<string> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const crl = await x509.X509CrlGenerator.create(
    {
      issuer: caCert.subject,
      thisUpdate: now,
      nextUpdate: caCert.notAfter,
      signingKey: (await importCaKey(ca)) as unknown as SigningKeyLike,
      signingAlgorithm: SIGNING_ALGORITHM,
      entries: revoked.map((r) => ({ serialNumber: positiveHex(r.serial), revocationDate: r.revokedAt })),
      extensions: [await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey, false, crypto)],
    },
    crypto,
  );
  // OpenSSL (and so Node's TLS `crl` option) reads only the "X509 CRL" label
  return `${x509.PemConverter.encode(crl.rawData, 'X509 CRL')}\n`;
}
