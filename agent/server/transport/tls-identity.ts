// What the agent's TLS needs, read from its files: the CA, its own certificate and key
// (checked together, the key's mode too) and, with --crl, the revocation list. Read at
// start and again at each reload (SIGHUP); a reload that fails leaves the previous one in use.
import type { SecureContextOptions } from 'tls';
import { readTlsFiles, type TlsFiles, type TlsMaterial } from '../../../lvs/wire/tls-files';
import { readCrlFile, type CrlInfo } from './crl-file';
import { checkKeyFileMode } from './key-file-mode';

export interface AgentTlsFiles extends TlsFiles {
  crl?: string;
}

export interface TlsIdentity {
  material: TlsMaterial;
  crl?: CrlInfo;
}

export async function loadTlsIdentity(files: AgentTlsFiles, now: Date = new Date()): Promise<TlsIdentity> {
  checkKeyFileMode(files.key);
  const material = readTlsFiles(files, now);
  if (files.crl === undefined) return { material };
  return { material, crl: await readCrlFile(files.crl, material.ca, files.ca, now) };
}

export function secureContextOf(identity: TlsIdentity): SecureContextOptions {
  const { ca, cert, key } = identity.material;
  return { ca, cert, key, ...(identity.crl ? { crl: identity.crl.pem } : {}) };
}

/** For the log: names and dates, never key or certificate material. */
export function describeIdentity(identity: TlsIdentity): Record<string, unknown> {
  return {
    certificate: identity.material.commonName,
    certificateExpires: identity.material.notAfter.toISOString(),
    ...(identity.crl ? { crl: { revoked: identity.crl.revoked.length, thisUpdate: identity.crl.thisUpdate.toISOString() } } : {}),
  };
}
