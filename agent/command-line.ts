// lvsctl-agent's command line: options, defaults and help. Imports commander and constants
// only, so --help and --version stay quick.
import { Command } from 'commander';
import { VERSION } from '../lvs/version';
import { IPTABLES_CHOICES, IPVS_CHOICES } from './kernel/backend-choices';
import { OPTIMIZING_COMPILER_CHOICES } from './optimizing-compiler';
import { LOG_LEVELS } from '../lvs/agent-options';

export function buildProgram(): Command {
  return new Command('lvsctl-agent')
    .description('the lvsctl agent: applies IPVS services and marks on a director, verifies a realserver; serves gRPC with mutual TLS')
    .version(VERSION, '--version', 'print the version')
    .option('--role <ROLE>', 'director or realserver (required)')
    .option('--listen <ADDR:PORT>', 'where to serve gRPC', '0.0.0.0:7400')
    .option('--ca <FILE>', 'CA certificate: clients must present a certificate it signed')
    .option('--cert <FILE>', 'this agent\'s certificate (lvsctl certs issue DIR HOST --ip ADDRESS)')
    .option('--key <FILE>', 'the key of --cert; must be readable by its owner only (chmod 600)')
    .option('--crl <FILE>', 'certificate revocation list of the CA (lvsctl certs revoke DIR NAME): revoked client certificates are refused')
    .option('--allow <NAME,...>', 'serve only client certificates with one of these common names')
    .option('--state-dir <DIR>', 'where the agent keeps what it applied and owns', '/var/lib/lvsctl')
    .option('--iptables <BACKEND>', `iptables backend for mark rules: ${IPTABLES_CHOICES.join(', ')}`, 'auto')
    .option('--ipvs <BACKEND>', `director: how to reach IPVS: ${IPVS_CHOICES.join(', ')} (auto: netlink if the kernel has it, once modprobe ip_vs loaded it where needed, else ipvsadm)`, 'auto')
    .option('--metrics <ADDR:PORT>', 'serve Prometheus metrics on http://ADDR:PORT/metrics (health, applies, IPVS counters)')
    .option('--self-check-interval <DURATION>', 'realserver: how often it re-runs its own checks (VIP, ARP, FTP range, ports listening)', '10s')
    .option('--drain-timeout <DURATION>', 'director: how long a realserver dropped from the plan drains (weight 0) before it is deleted anyway', '300s')
    .option('--keepalived-config <FILE>', 'director in a group: where the agent writes keepalived\'s configuration', '/etc/keepalived/keepalived.conf')
    .option('--keepalived-pidfile <FILE>', 'director in a group: the pid file of the running keepalived (reloaded with SIGHUP)', '/run/keepalived.pid')
    .option('--exec-checks <DIR>', 'director: exec health checks may run only commands inside DIR (without it they fail)')
    .option('--optimizing-compiler <WHEN>', `V8's optimizing compiler: ${OPTIMIZING_COMPILER_CHOICES.join(', ')} (auto: off on a host with one CPU, where its compilations take the CPU an apply needs)`, 'auto')
    .option('--log-level <LEVEL>', LOG_LEVELS.join(', '), 'info')
    .option('--insecure', 'serve plain TCP without TLS: for tests on loopback or a lab only', false)
    .addHelpText('after', [
      '',
      'Signals:',
      '  SIGHUP   read --ca, --cert, --key and --crl again; new connections use them, open ones',
      '           (an apply in flight) are untouched; if a file is wrong, the old ones stay in use',
      '  SIGTERM  stop taking calls, let the apply in flight finish, exit 0',
    ].join('\n'))
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
}
