// What an operator should hear about the agent's TLS set-up at start and at each reload, as
// warnings in its log: an agent that serves any certificate its CA signed (no --allow), one
// that cannot refuse a revoked certificate (no --crl), and a certificate close to its end (an agent refuses to start with an expired one, so a reboot
// after that day leaves the host without its agent).
import type { TlsIdentity } from './tls-identity';
import { daysLeft as daysUntil, expiresSoon } from '../../../lvs/certificate-expiry';

export function identityWarnings(identity: TlsIdentity, allow: readonly string[], now: Date): { message: string; fields: Record<string, unknown> }[] {
  const warnings: { message: string; fields: Record<string, unknown> }[] = [];
  if (allow.length === 0) {
    warnings.push({
      message: 'any certificate the CA signed may call this agent, another host\'s agent certificate among them: start it with --allow NAMES, the certificate names of the controllers (lvsctl bootstrap writes --allow)',
      fields: { certificate: identity.material.commonName },
    });
  }
  if (identity.crl === undefined) {
    warnings.push({
      message: 'no --crl: a certificate revoked with lvsctl certs revoke (a stolen controller key) is still served here: start the agent with --crl FILE, the CA directory\'s crl.pem (lvsctl bootstrap writes --crl)',
      fields: { certificate: identity.material.commonName },
    });
  }
  if (expiresSoon(identity.material.notAfter, now)) {
    const daysLeft = daysUntil(identity.material.notAfter, now);
    warnings.push({
      message: `the agent's certificate expires in ${daysLeft} day(s): after that the agent refuses to start and controllers refuse it. Remove DIR/HOST.crt and DIR/HOST.key in the CA directory and run lvsctl bootstrap (it issues a new pair and reloads the agent); on a host installed from the .deb, lvsctl certs issue DIR HOST, copy the new HOST.crt and HOST.key here, then systemctl reload lvsctl-agent`,
      fields: { certificate: identity.material.commonName, expires: identity.material.notAfter.toISOString() },
    });
  }
  return warnings;
}
