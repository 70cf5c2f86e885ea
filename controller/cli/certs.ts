// lvsctl certs init DIR / issue DIR NAME [--ip A]... [--dns N]... / revoke DIR NAME / crl DIR:
// the commands and their help. Their actions load run-certs.ts (and with it @peculiar/x509)
// only when they run.
import type { Command } from 'commander';
import type { IssueCliOptions } from './run-certs';
import { exitCodesText } from './exit-help';

/** --ip and --dns repeat: each value added to those before (none before the first; no "(default: [])" in the help) */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function register(program: Command): void {
  const certs = program
    .command('certs')
    .description('make the cluster CA and the certificates of agents and controllers (mutual TLS)');

  certs
    .command('init')
    .description('create a cluster CA: DIR/ca.crt, DIR/ca.key (mode 0600) and an empty revocation list DIR/crl.pem; refuses to replace an existing CA')
    .argument('<DIR>', 'directory for the CA (created if missing)')
    .addHelpText('after', '\nIt prints the next command to run: lvsctl certs issue DIR NAME --ip ADDRESS.')
    .addHelpText('after', exitCodesText([[0, 'DIR/ca.crt, DIR/ca.key and DIR/crl.pem created'], [1, 'DIR already holds a CA, DIR cannot be written, or a usage error']]))
    .action(async (dir: string) => {
      const { runCertsInit } = await import('./run-certs');
      await runCertsInit(dir);
    });

  certs
    .command('issue')
    .description('issue DIR/NAME.crt + DIR/NAME.key signed by DIR/ca.*, usable as server (agent) and client (controller) certificate')
    .argument('<DIR>', 'directory holding ca.crt and ca.key')
    .argument('<NAME>', 'the common name: the host name of an agent, or the controller\'s name for --allow')
    .option('--ip <A>', 'an IP address the certificate is valid for (repeat for several); the address the controller dials', collect)
    .option('--dns <N>', 'a DNS name the certificate is valid for (repeat for several); NAME is always included', collect)
    .addHelpText('after', '\nIt prints the next step: how to start the agent with these files, or the LVSCTL_* variables for a controller.')
    .addHelpText('after', exitCodesText([[0, 'DIR/NAME.crt and DIR/NAME.key created'], [1, 'no CA in DIR, NAME already issued, a bad NAME, --ip or --dns, or a usage error']]))
    .action(async (dir: string, name: string, opts: IssueCliOptions) => {
      const { runCertsIssue } = await import('./run-certs');
      await runCertsIssue(dir, name, opts);
    });

  certs
    .command('revoke')
    .description('revoke DIR/NAME.crt: record its serial in DIR/revoked.json and write DIR/crl.pem, the list agents read with --crl')
    .argument('<DIR>', 'directory holding ca.crt, ca.key and NAME.crt')
    .argument('<NAME>', 'the name the certificate was issued for')
    .addHelpText(
      'after',
      [
        '',
        'The CRL is signed by DIR/ca.key and valid until the CA expires. Copy DIR/crl.pem to',
        'every agent (its --crl FILE) and reload them: `systemctl reload lvsctl-agent` (SIGHUP).',
        'From then on the agents refuse that certificate at the TLS handshake, and on every',
        'call of a connection opened before. Revoking a certificate again writes the CRL again.',
        'To issue NAME anew, remove DIR/NAME.crt and DIR/NAME.key first.',
        '',
        'Exit codes:',
        '  0  the certificate is revoked (now or before) and DIR/crl.pem written',
        '  1  no such certificate, no CA in DIR, a certificate another CA issued, or a usage error',
      ].join('\n'),
    )
    .action(async (dir: string, name: string) => {
      const { runCertsRevoke } = await import('./run-certs');
      await runCertsRevoke(dir, name);
    });

  certs
    .command('crl')
    .description('write DIR/crl.pem again from DIR/revoked.json (an empty list before any revoke), for agents started with --crl')
    .argument('<DIR>', 'directory holding ca.crt and ca.key')
    .addHelpText(
      'after',
      [
        '',
        'Exit codes:',
        '  0  DIR/crl.pem written',
        '  1  no CA in DIR, an unreadable DIR/revoked.json, or a usage error',
      ].join('\n'),
    )
    .action(async (dir: string) => {
      const { runCertsCrl } = await import('./run-certs');
      await runCertsCrl(dir);
    });
}
