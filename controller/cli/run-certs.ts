// What lvsctl certs init / issue / revoke / crl do (certs.ts declares the commands): make the
// files through controller/certs, report them, and turn a CertDirError into a CliError.
import { join } from 'node:path';
import { CertDirError, initCertDir, issueIntoCertDir } from '../certs/cert-dir';
import { revokeInCertDir, writeCrlOfCertDir } from '../certs/revocation-dir';
import { CliError, EXIT } from '../exit-codes';
import { stat } from 'node:fs/promises';

export interface IssueCliOptions {
  /** absent when not given */
  ip?: string[];
  dns?: string[];
}

async function reportingCertErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof CertDirError) throw new CliError(err.message, EXIT.invalid);
    throw err;
  }
}

export async function runCertsInit(dir: string): Promise<void> {
  const files = await reportingCertErrors(() => initCertDir(dir, new Date()));
  // an empty revocation list from the start: bootstrap gives every agent --crl, so a later revoke needs only a reload
  const crl = await reportingCertErrors(() => writeCrlOfCertDir(dir, new Date()));
  // the keys are 0600, but whoever may write the directory may swap ca.crt or a certificate
  const mode = (await stat(dir)).mode & 0o777;
  if ((mode & 0o022) !== 0) {
    process.stderr.write(`warning: ${dir} is writable by ${(mode & 0o002) !== 0 ? 'every user' : 'its group'} (mode ${mode.toString(8).padStart(4, '0')}): they could replace ca.crt or a certificate in it; chmod 700 ${dir}\n`);
  }
  process.stdout.write(
    `created ${files.cert}, ${files.key} (keep ca.key offline or at least private) and ${crl.crl} (nothing revoked yet)\n` +
      `next: a certificate for each agent (with the address the controller dials) and one for this controller:\n` +
      `  lvsctl certs issue ${dir} HOST --ip ADDRESS\n` +
      `  lvsctl certs issue ${dir} controller\n` +
      `(lvsctl bootstrap PLAN --ca-dir ${dir} issues the agents' certificates itself)\n`,
  );
}

export async function runCertsIssue(dir: string, name: string, opts: IssueCliOptions): Promise<void> {
  const files = await reportingCertErrors(() => issueIntoCertDir(dir, name, { ips: opts.ip ?? [], dnsNames: opts.dns ?? [] }, new Date()));
  const caCert = join(dir, 'ca.crt');
  process.stdout.write(
    `created ${files.cert} and ${files.key}\n` +
      `next, for the agent on ${name}: copy ${caCert}, ${join(dir, 'crl.pem')}, ${files.cert} and ${files.key} (mode 0600) to it, then\n` +
      `  lvsctl-agent --role ROLE --ca ca.crt --crl crl.pem --cert ${name}.crt --key ${name}.key --allow CONTROLLER   (ROLE: director or realserver)\n` +
      `  (or: lvsctl bootstrap PLAN --ca-dir ${dir} --limit ${name})\n` +
      `or, if ${name} is a controller (never an agent's certificate): export LVSCTL_CA=${caCert} LVSCTL_CERT=${files.cert} LVSCTL_KEY=${files.key}\n`,
  );
}

export async function runCertsRevoke(dir: string, name: string): Promise<void> {
  const done = await reportingCertErrors(() => revokeInCertDir(dir, name, new Date()));
  process.stdout.write(
    `${done.already ? `${name} (serial ${done.serial}) was revoked already` : `revoked ${name} (serial ${done.serial})`}; ` +
      `wrote ${done.crl} listing ${done.revoked} certificate(s), valid until ${done.nextUpdate.toISOString()}\n` +
      'copy it to every agent\'s --crl file and reload them (systemctl reload lvsctl-agent); ' +
      'an agent started without --crl (bootstrapped before DIR had a crl.pem) gets one from lvsctl bootstrap\n',
  );
}

export async function runCertsCrl(dir: string): Promise<void> {
  const done = await reportingCertErrors(() => writeCrlOfCertDir(dir, new Date()));
  process.stdout.write(
    `wrote ${done.crl} listing ${done.revoked} revoked certificate(s), valid until ${done.nextUpdate.toISOString()}\n` +
      'next: copy it to every agent\'s --crl file and reload them (systemctl reload lvsctl-agent)\n',
  );
}
