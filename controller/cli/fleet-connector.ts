// The read-only connector (health, status, connections) from the shared agent options.
import type { AgentReaderConnector } from '../client/agent-reader';
import type { CommandDeadline } from '../client/command-deadline';
import { createGrpcReaderConnector } from '../client/grpc-reader';
import { clientTlsFromOptions } from '../client/tls-options';
import { DEFAULT_TIMEOUT, parseTimeoutMs, type AgentConnectionOptions } from './agent-options';

export function readerConnectorFromOptions(opts: AgentConnectionOptions, deadline?: CommandDeadline, env: NodeJS.ProcessEnv = process.env): AgentReaderConnector {
  return createGrpcReaderConnector({
    tls: clientTlsFromOptions(opts, env),
    timeoutMs: parseTimeoutMs(opts.timeout ?? DEFAULT_TIMEOUT),
    ...(deadline ? { deadline } : {}),
  });
}
