// Reads and checks --crl: a PEM X.509 CRL signed by the agent's CA (made by `lvsctl certs
// revoke` or `lvsctl certs crl`). Checked here so that a wrong file is reported by name at
// start or at reload, not discovered as every client refused (OpenSSL refuses all clients
// when the CRL is not from their CA or is past its next update). @peculiar/x509 is loaded
// only when an agent has --crl.
import { webcrypto } from 'crypto';
import { MAKE_CRL, readCrlPem } from '../../../lvs/wire/crl-pem';
import { TlsFileError } from '../../../lvs/wire/tls-files';
import { normalizeSerial } from '../revocation';

export interface CrlInfo {
  pem: Buffer;
  /** normalized serials (upper-case hex, no leading zeros) */
  revoked: string[];
  thisUpdate: Date;
  nextUpdate?: Date;
}

export async function readCrlFile(file: string, caPem: Buffer, caFile: string, now: Date): Promise<CrlInfo> {
  const pem = readCrlPem(file);
  await import('reflect-metadata'); // @peculiar/x509 (through tsyringe) needs the Reflect metadata API
  const x509 = await import('@peculiar/x509');
  let crl: InstanceType<typeof x509.X509Crl>;
  try {
    crl = new x509.X509Crl(pem.toString('latin1'));
  } catch {
    throw new TlsFileError(file, 'is not a readable certificate revocation list', MAKE_CRL);
  }
  const ca = new x509.X509Certificate(caPem.toString('latin1'));
  if (crl.issuer !== ca.subject) {
    throw new TlsFileError(file, `was issued by "${crl.issuer}", not by the CA ${caFile} ("${ca.subject}")`, MAKE_CRL);
  }
  const signed = await crl.verify({ publicKey: ca }, webcrypto as unknown as Parameters<typeof crl.verify>[1]).catch(() => false);
  if (!signed) throw new TlsFileError(file, `is not signed by the CA ${caFile}`, MAKE_CRL);
  if (crl.nextUpdate && crl.nextUpdate.getTime() < now.getTime()) {
    throw new TlsFileError(file, `is past its next update (${crl.nextUpdate.toISOString()}); OpenSSL would refuse every client`, MAKE_CRL);
  }
  return {
    pem,
    revoked: crl.entries.map((e) => normalizeSerial(e.serialNumber)),
    thisUpdate: crl.thisUpdate,
    ...(crl.nextUpdate ? { nextUpdate: crl.nextUpdate } : {}),
  };
}
