// lvsctl certs init DIR / lvsctl certs issue DIR NAME [--ip A]... [--dns N]...: the commands
// and their help. Their actions load run-certs.ts (and with it @peculiar/x509) only when
// they run.
import type { Command } from 'commander';
import type { IssueCliOptions } from './run-certs';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function register(program: Command): void {
  const certs = program
    .command('certs')
    .description('make the cluster CA and the certificates of agents and controllers (mutual TLS)');

  certs
    .command('init')
    .description('create a cluster CA: DIR/ca.crt and DIR/ca.key (mode 0600); refuses to replace an existing CA')
    .argument('<DIR>', 'directory for the CA (created if missing)')
    .action(async (dir: string) => {
      const { runCertsInit } = await import('./run-certs');
      await runCertsInit(dir);
    });

  certs
    .command('issue')
    .description('issue DIR/NAME.crt + DIR/NAME.key signed by DIR/ca.*, usable as server (agent) and client (controller) certificate')
    .argument('<DIR>', 'directory holding ca.crt and ca.key')
    .argument('<NAME>', 'the common name: the host name of an agent, or the controller\'s name for --allow')
    .option('--ip <A>', 'an IP address the certificate is valid for (repeat for several); the address the controller dials', collect, [])
    .option('--dns <N>', 'a DNS name the certificate is valid for (repeat for several); NAME is always included', collect, [])
    .action(async (dir: string, name: string, opts: IssueCliOptions) => {
      const { runCertsIssue } = await import('./run-certs');
      await runCertsIssue(dir, name, opts);
    });
}
