// A cluster CA and the certificates it issues, in memory (PEM text in, PEM text out).
// ECDSA P-256 keys, SHA-256 signatures. Files are cert-dir.ts's concern;
// the clock is passed in so tests can pin time.
import 'reflect-metadata'; // @peculiar/x509 (through tsyringe) needs the Reflect metadata API
import { webcrypto } from 'crypto';
import { isIP } from 'net';
import * as x509 from '@peculiar/x509';

export const crypto = webcrypto as unknown as Parameters<typeof x509.X509CertificateGenerator.create>[1] & webcrypto.Crypto;
const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
export const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 3600 * 1000;

/** CA: ten years. Issued certificates: 825 days, the longest that TLS clients commonly accept. */
export const CA_VALIDITY_DAYS = 3650;
export const CERT_VALIDITY_DAYS = 825;

export interface PemPair {
  certPem: string;
  keyPem: string;
}

export interface IssueRequest {
  /** the certificate's common name: a host name of the plan, or the controller's name */
  name: string;
  ips: string[];
  dnsNames: string[];
}

/** A positive 128-bit serial in hex (RFC 5280: positive, at most 20 octets). */
function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] &= 0x7f;
  return Buffer.from(bytes).toString('hex');
}

async function exportKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = await crypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

async function generateKeys(): Promise<webcrypto.CryptoKeyPair> {
  return crypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
}

export async function createCertificateAuthority(name: string, now: Date): Promise<PemPair> {
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerial(),
      name: [{ CN: [name] }],
      notBefore: now,
      notAfter: new Date(now.getTime() + CA_VALIDITY_DAYS * DAY_MS),
      keys: keys as unknown as CryptoKeyPairLike,
      signingAlgorithm: SIGNING_ALGORITHM,
      extensions: [
        // pathLength 0: this CA signs host certificates only, never another CA
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as unknown as PublicKeyLike, false, crypto),
      ],
    },
    crypto,
  );
  return { certPem: cert.toString('pem'), keyPem: await exportKeyPem(keys.privateKey) };
}

type CryptoKeyPairLike = Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'];
type PublicKeyLike = Parameters<typeof x509.SubjectKeyIdentifierExtension.create>[0];
type SigningKeyLike = Extract<Parameters<typeof x509.X509CertificateGenerator.create>[0], { signingKey: unknown }>['signingKey'];

function subjectAltNames(req: IssueRequest): x509.JsonGeneralName[] {
  for (const ip of req.ips) {
    if (isIP(ip) === 0) throw new Error(`--ip ${JSON.stringify(ip)}: not an IPv4 or IPv6 address`);
  }
  for (const dns of req.dnsNames) {
    if (!/^[A-Za-z0-9*]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(dns) || dns.length > 253) {
      throw new Error(`--dns ${JSON.stringify(dns)}: not a DNS name`);
    }
  }
  // The name itself is a DNS SAN too, so a controller dialing the plan's host name matches.
  const dnsNames = [...new Set([req.name, ...req.dnsNames])];
  return [...dnsNames.map((value) => ({ type: 'dns' as const, value })), ...req.ips.map((value) => ({ type: 'ip' as const, value }))];
}

/** The CA's private key, for signing (certificates, the revocation list). */
export function importCaKey(ca: PemPair): Promise<webcrypto.CryptoKey> {
  return crypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(ca.keyPem), KEY_ALGORITHM, false, ['sign']);
}

/** A certificate for `req.name`, usable both as TLS server (agent) and client (controller). */
export async function issueCertificate(ca: PemPair, req: IssueRequest, now: Date): Promise<PemPair> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await importCaKey(ca);
  const keys = await generateKeys();
  const notAfter = new Date(Math.min(now.getTime() + CERT_VALIDITY_DAYS * DAY_MS, caCert.notAfter.getTime()));
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerial(),
      subject: [{ CN: [req.name] }],
      issuer: caCert.subject,
      notBefore: now,
      notAfter,
      publicKey: keys.publicKey as unknown as PublicKeyLike,
      signingKey: caKey as unknown as SigningKeyLike,
      signingAlgorithm: SIGNING_ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth], false),
        new x509.SubjectAlternativeNameExtension(subjectAltNames(req), false),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as unknown as PublicKeyLike, false, crypto),
        await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return { certPem: cert.toString('pem'), keyPem: await exportKeyPem(keys.privateKey) };
}
