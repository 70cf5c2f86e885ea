// What lvsctl certs init / issue / revoke / crl do (certs.ts declares the commands): make the
// files through controller/certs, report them, and turn a CertDirError into a CliError.
import { CertDirError, initCertDir, issueIntoCertDir } from '../certs/cert-dir';
import { revokeInCertDir, writeCrlOfCertDir } from '../certs/revocation-dir';
import { CliError, EXIT } from '../exit-codes';

export interface IssueCliOptions {
  ip: string[];
  dns: string[];
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
  process.stdout.write(`created ${files.cert} and ${files.key} (keep ca.key offline or at least private)\n`);
}

export async function runCertsIssue(dir: string, name: string, opts: IssueCliOptions): Promise<void> {
  const files = await reportingCertErrors(() => issueIntoCertDir(dir, name, { ips: opts.ip, dnsNames: opts.dns }, new Date()));
  process.stdout.write(`created ${files.cert} and ${files.key}\n`);
}

export async function runCertsRevoke(dir: string, name: string): Promise<void> {
  const done = await reportingCertErrors(() => revokeInCertDir(dir, name, new Date()));
  process.stdout.write(
    `${done.already ? `${name} (serial ${done.serial}) was revoked already` : `revoked ${name} (serial ${done.serial})`}; ` +
      `wrote ${done.crl} listing ${done.revoked} certificate(s), valid until ${done.nextUpdate.toISOString()}\n` +
      'copy it to every agent\'s --crl file and reload them (systemctl reload lvsctl-agent)\n',
  );
}

export async function runCertsCrl(dir: string): Promise<void> {
  const done = await reportingCertErrors(() => writeCrlOfCertDir(dir, new Date()));
  process.stdout.write(`wrote ${done.crl} listing ${done.revoked} revoked certificate(s), valid until ${done.nextUpdate.toISOString()}\n`);
}
