// Warnings on stderr for certificates close to their end, so the operator hears of it from the
// commands run every day, not on the day every handshake fails: the controller's own (once a
// command, as it loads its files) and each agent's (once a host, as its connection opens: the
// certificate it presents, checked against the CA by then). The agent warns of its own in its
// log too (agent/server/transport/identity-warnings.ts); this is the side an operator watches.
import { dirname } from 'node:path';
import { expiresSoon, expiryText } from '../../lvs/certificate-expiry';
import type { ClientTls } from './tls-options';

export class CertificateExpiryWarnings {
  private readonly agentsWarned = new Set<string>();

  constructor(private readonly write: (line: string) => void, private readonly now: () => Date = () => new Date()) {}

  /** The controller's own certificate (--cert), when it ends within the warning's days. */
  controller(tls: ClientTls): void {
    if (tls.kind !== 'mtls') return;
    const { notAfter, commonName } = tls.material;
    if (!expiresSoon(notAfter, this.now())) return;
    // the CA directory is where --ca is (certs init keeps ca.crt and ca.key together); the
    // agents' --allow names the certificate's common name, whatever its files are called
    const dir = dirname(tls.files.ca);
    this.write(
      `warning: the controller's certificate ${tls.files.cert} (${commonName}) expires ${expiryText(notAfter, this.now())}; after that every agent refuses it. ` +
        `Renew it in the CA directory ${dir}: move ${commonName}.crt and ${commonName}.key there aside (certs issue makes no pair over one), ` +
        `run lvsctl certs issue ${dir} ${commonName}, then point --cert/--key (or LVSCTL_CERT/LVSCTL_KEY) at the new ${dir}/${commonName}.crt and .key\n`,
    );
  }

  /** An agent's certificate, as its connection opened: warned once per host. */
  agent(host: string, notAfter: Date): void {
    if (this.agentsWarned.has(host) || !expiresSoon(notAfter, this.now())) return;
    this.agentsWarned.add(host);
    this.write(
      `warning: the certificate of ${host}'s agent expires ${expiryText(notAfter, this.now())}; after that the agent refuses to start and lvsctl refuses it. ` +
        `Renew it: remove DIR/${host}.crt and DIR/${host}.key in the CA directory and run lvsctl bootstrap PLAN --limit ${host} (docs/operations.md, renewing a certificate)\n`,
    );
  }
}
