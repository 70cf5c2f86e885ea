// The options every command that talks to agents shares (README, docs/rollout.md): TLS files, --insecure,
// --ssh-config, --timeout per call, --deadline for the whole command; and the connector
// built from them.
import { Option, type Command } from 'commander';
import type { AgentConnector } from '../client/agent-client';
import type { CommandDeadline, DeadlineOptions } from '../client/command-deadline';
import type * as GrpcClient from '../client/grpc-client';
import type * as TlsOptions from '../client/tls-options';
import type * as ExpiryWarnings from '../client/certificate-expiry-warnings';
import type { CertificateExpiryWarnings } from '../client/certificate-expiry-warnings';
import type { ClientTls } from '../client/tls-options';
import { durationMs } from '../../lvs/duration';
import { EXIT, OptionError } from '../exit-codes';

export interface AgentConnectionOptions {
  ca?: string;
  cert?: string;
  key?: string;
  crl?: string;
  insecure?: boolean;
  /** the command has no --insecure (bootstrap) */
  withoutInsecure?: boolean;
  sshConfig?: string;
  /** a DURATION: "500ms", "10s", "2m" */
  timeout: string;
  /** a DURATION; absent: derived from --timeout by each command */
  deadline?: string;
}

export const DEFAULT_TIMEOUT = '10s';

/** `deadlineDefault` says, in --help, what the command's deadline is without --deadline. */
export function addAgentOptions(cmd: Command, deadlineDefault = 'derived from --timeout'): Command {
  return cmd
    .addOption(new Option('--ca <FILE>', 'CA certificate that signed the agents\' certificates').env('LVSCTL_CA'))
    .addOption(new Option('--cert <FILE>', 'this controller\'s certificate, issued by the same CA').env('LVSCTL_CERT'))
    .addOption(new Option('--key <FILE>', 'the key of --cert').env('LVSCTL_KEY'))
    .addOption(new Option('--crl <FILE>', 'the CA\'s revocation list: an agent whose certificate is on it is refused (default: crl.pem beside --ca, when there is one)').env('LVSCTL_CRL'))
    .option('--insecure', 'plain TCP without TLS, to reach agents started with --insecure (labs only)', false)
    .option('--ssh-config <FILE>', 'ssh config used to resolve host names without an address (default ~/.ssh/config)')
    .option('--timeout <DURATION>', 'how long an agent may take to connect and to answer a call, e.g. 500ms, 10s, 2m', DEFAULT_TIMEOUT)
    .option('--deadline <DURATION>', `the whole command ends within this, whatever the agents do; agents without an answer by then are unreachable (default: ${deadlineDefault})`);
}

/** A duration flag from 1ms to maxMs, or a usage error (exit 1) that says so with examples. */
export function parseDurationMs(flag: string, text: string, maxMs: number): number {
  const ms = durationMs(text);
  if (ms === undefined || ms <= 0 || ms > maxMs) {
    throw new OptionError(`${flag} ${JSON.stringify(text)}: must be a duration from 1ms to ${maxMs / 60_000}m, e.g. "500ms", "10s" or "2m"`, EXIT.invalid);
  }
  return ms;
}

export function parseTimeoutMs(text: string): number {
  return parseDurationMs('--timeout', text, 3_600_000);
}

/** --timeout and --deadline as numbers; a bad one is a usage error (exit 1). */
export function deadlineOptionsFrom(opts: Pick<AgentConnectionOptions, 'timeout' | 'deadline'>): DeadlineOptions {
  const timeoutMs = parseTimeoutMs(opts.timeout ?? DEFAULT_TIMEOUT);
  // a day: longer than any rollout, short enough to stay a bound
  return opts.deadline === undefined ? { timeoutMs } : { timeoutMs, deadlineMs: parseDurationMs('--deadline', opts.deadline, 86_400_000) };
}

export function connectorFromOptions(
  opts: AgentConnectionOptions, deadline?: CommandDeadline, env: NodeJS.ProcessEnv = process.env, trace?: (what: string, host: string) => void,
  extras: { omitDiff?: boolean; agentCertificateWarnings?: boolean } = {},
): AgentConnector {
  // the TLS files (node:crypto) and gRPC are loaded when a command connects, not with the
  // command line: every command's start, --help and validate included, would pay for them
  const { clientTlsFromOptions } = require('../client/tls-options') as typeof TlsOptions;
  const tls = clientTlsFromOptions(opts, env);
  const warnings = expiryWarnings(tls);
  const { createGrpcConnector } = require('../client/grpc-client') as typeof GrpcClient;
  return createGrpcConnector({
    tls, timeoutMs: parseTimeoutMs(opts.timeout ?? DEFAULT_TIMEOUT), ...(deadline ? { deadline } : {}), ...(trace ? { trace } : {}),
    ...(extras.omitDiff ? { omitDiff: true } : {}),
    ...(extras.agentCertificateWarnings === false ? {} : { agentCertificateSeen: (host: string, notAfter: Date) => warnings.agent(host, notAfter) }),
  });
}

/** Certificates close to their end, said on stderr: the controller's own now, each agent's as it connects. */
export function expiryWarnings(tls: ClientTls, write: (line: string) => void = (line) => void process.stderr.write(line)): CertificateExpiryWarnings {
  const { CertificateExpiryWarnings: Warnings } = require('../client/certificate-expiry-warnings') as typeof ExpiryWarnings;
  const warnings = new Warnings(write);
  warnings.controller(tls);
  return warnings;
}
