// lvsctl bootstrap PLAN: the command's arguments, options and help. Its action loads
// run-bootstrap.ts (the plan, ssh, the certificates, gRPC) only when the command runs.
import type { Command } from 'commander';
import type { BootstrapFlags } from './run-bootstrap';
import { addExitCodes } from './exit-help';

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function register(program: Command): void {
  const command = program
    .command('bootstrap')
    .description('install and start the agent on the plan\'s hosts over ssh: executable, certificate and key, systemd unit and /etc/default file; then Hello it')
    .argument('<plan>', 'the plan.json whose hosts to install')
    .option('--ca-dir <DIR>', 'the CA directory of lvsctl certs init: each host\'s DIR/HOST.crt is used, or issued for its address (default: the directory of --ca or LVSCTL_CA)')
    .option('--limit <hosts>', 'only these hosts, comma separated, repeatable', collect)
    .option('--check', 'change nothing (and issue no certificate): say, per host, what would be done')
    .option('--agent-binary <FILE>', 'the agent executable to install (default: lvsctl-agent beside lvsctl, as npm run package builds it)')
    .option('--unit <FILE>', 'the systemd unit to install (default: lvsctl-agent.service beside a packaged lvsctl, else the project\'s packaging/lvsctl-agent.service, or the one the package installed)')
    .option('--allow <NAME,...>', 'the agents serve only client certificates with these common names (default: the common name of --cert)')
    .option('--sudo', 'run the remote commands through sudo -n, for a login that is not root')
    .option('--parallel <n>', 'at most N hosts at once (default 10); agents are restarted one at a time, and none after one that failed')
    .option('--host-deadline <DURATION>', 'each host\'s bootstrap ends within this, its copies and the Hello included (default 10m)')
    .option('--deadline <DURATION>', 'the whole command ends within this: a host not done by then fails, naming it (default: none beyond each host\'s --host-deadline)')
    .option('--insecure', 'refused: bootstrap installs agents with mutual TLS only (it issues their certificates)')
    .option('--ca <FILE>', 'the CA certificate to check the agents with (or LVSCTL_CA; default: DIR/ca.crt of --ca-dir)')
    .option('--cert <FILE>', 'this controller\'s certificate, for the Hello (or LVSCTL_CERT)')
    .option('--key <FILE>', 'the key of --cert (or LVSCTL_KEY)')
    .option('--ssh-config <FILE>', 'ssh config for the connections and to resolve host names (default ~/.ssh/config), passed to ssh as -F')
    .option('--timeout <DURATION>', 'how long one ssh command (not counting a copy\'s size) or one Hello may take', '30s')
    .option('--json', 'print one JSON document { command, plan, check, hosts, exitCode } on stdout, nothing else')
    .addHelpText(
      'after',
      [
        '',
        'Each host gets, through the OpenSSH client (ssh must be on PATH; BatchMode, no prompts):',
        '  the agent executable at the path the unit starts, /etc/lvsctl/ca.crt, HOST.crt and HOST.key',
        '  (mode 0600), crl.pem (written empty into DIR first when it has none), /etc/default/lvsctl-agent with the agent\'s',
        '  role, listen port and files and the plan\'s agent options (agent.director, agent.realserver,',
        '  hosts.NAME.agentOptions), and /etc/systemd/system/lvsctl-agent.service; then',
        '  systemctl daemon-reload, enable and (re)start as needed, and a Hello over mutual TLS.',
        'Idempotent: the remote checksums and modes are compared first; only what differs is copied,',
        'the agent is restarted only when something it reads changed; a second run says "nothing to change".',
        'A host that fails says which step and why; the other hosts go on.',
      ].join('\n'),
    );
  addExitCodes(command, [
    [0, 'every host installed, started and answering (with --check: nothing failed)'],
    [1, 'the plan is invalid, a host does not resolve, or a usage error (found before any host is touched)'],
    [2, 'a step failed on at least one host (certificate, probe, copy, systemctl, hello)'],
    [3, 'at least one host unreachable (ssh did not get in), none failed'],
  ]);
  command.action(async (planPath: string, flags: BootstrapFlags) => {
    const { runBootstrapCommand } = await import('./run-bootstrap');
    process.exitCode = await runBootstrapCommand(planPath, flags, { stdout: process.stdout, stderr: process.stderr, env: process.env });
  });
}
