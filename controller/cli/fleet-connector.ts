// The read-only connector (health, status, connections) from the shared agent options.
import type { AgentReaderConnector } from '../client/agent-reader';
import type { CommandDeadline } from '../client/command-deadline';
import type * as GrpcReader from '../client/grpc-reader';
import { clientTlsFromOptions } from '../client/tls-options';
import { DEFAULT_TIMEOUT, parseTimeoutMs, type AgentConnectionOptions } from './agent-options';

export function readerConnectorFromOptions(opts: AgentConnectionOptions, deadline?: CommandDeadline, env: NodeJS.ProcessEnv = process.env): AgentReaderConnector {
  // gRPC is loaded when a command connects, not with the command line (--help stays quick)
  const { createGrpcReaderConnector } = require('../client/grpc-reader') as typeof GrpcReader;
  return createGrpcReaderConnector({
    tls: clientTlsFromOptions(opts, env),
    timeoutMs: parseTimeoutMs(opts.timeout ?? DEFAULT_TIMEOUT),
    ...(deadline ? { deadline } : {}),
  });
}
