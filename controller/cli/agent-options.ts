// The options every command that talks to agents shares (README, docs/rollout.md): TLS files, --insecure,
// --ssh-config, --timeout; and the connector built from them.
import { Option, type Command } from 'commander';
import type { AgentConnector } from '../client/agent-client';
import type * as GrpcClient from '../client/grpc-client';
import { clientTlsFromOptions } from '../client/tls-options';
import { durationMs } from '../../lvs/duration';
import { CliError, EXIT } from './exit-codes';

export interface AgentConnectionOptions {
  ca?: string;
  cert?: string;
  key?: string;
  insecure?: boolean;
  sshConfig?: string;
  /** a DURATION: "500ms", "10s", "2m" */
  timeout: string;
}

export const DEFAULT_TIMEOUT = '10s';

export function addAgentOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--ca <FILE>', 'CA certificate that signed the agents\' certificates').env('LVSCTL_CA'))
    .addOption(new Option('--cert <FILE>', 'this controller\'s certificate, issued by the same CA').env('LVSCTL_CERT'))
    .addOption(new Option('--key <FILE>', 'the key of --cert').env('LVSCTL_KEY'))
    .option('--insecure', 'plain TCP without TLS, to reach agents started with --insecure (labs only)', false)
    .option('--ssh-config <FILE>', 'ssh config used to resolve host names without an address (default ~/.ssh/config)')
    .option('--timeout <DURATION>', 'how long an agent may take to answer, e.g. 500ms, 10s, 2m', DEFAULT_TIMEOUT);
}

export function parseTimeoutMs(text: string): number {
  const ms = durationMs(text);
  if (ms === undefined || ms <= 0 || ms > 3_600_000) {
    throw new CliError(`--timeout ${JSON.stringify(text)}: must be a duration from 1ms to 60m, e.g. "500ms", "10s" or "2m"`, EXIT.invalid);
  }
  return ms;
}

export function connectorFromOptions(opts: AgentConnectionOptions, env: NodeJS.ProcessEnv = process.env): AgentConnector {
  const tls = clientTlsFromOptions(opts, env);
  // gRPC is loaded when a command connects, not with the command line (--help stays quick)
  const { createGrpcConnector } = require('../client/grpc-client') as typeof GrpcClient;
  return createGrpcConnector({ tls, timeoutMs: parseTimeoutMs(opts.timeout ?? DEFAULT_TIMEOUT) });
}
