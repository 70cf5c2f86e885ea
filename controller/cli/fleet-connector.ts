// The read-only connector (health, status, connections) from the shared agent options.
import type { AgentReaderConnector } from '../client/agent-reader';
import type { CommandDeadline } from '../client/command-deadline';
import type * as GrpcReader from '../client/grpc-reader';
import type * as TlsOptions from '../client/tls-options';
import { DEFAULT_TIMEOUT, expiryWarnings, parseTimeoutMs, type AgentConnectionOptions } from './agent-options';

export function readerConnectorFromOptions(opts: AgentConnectionOptions, deadline?: CommandDeadline, env: NodeJS.ProcessEnv = process.env): AgentReaderConnector {
  // the TLS files (node:crypto) and gRPC are loaded when a command connects, not with the
  // command line (agent-options.ts)
  const { clientTlsFromOptions } = require('../client/tls-options') as typeof TlsOptions;
  const { createGrpcReaderConnector } = require('../client/grpc-reader') as typeof GrpcReader;
  const tls = clientTlsFromOptions(opts, env);
  const warnings = expiryWarnings(tls);
  return createGrpcReaderConnector({
    tls,
    timeoutMs: parseTimeoutMs(opts.timeout ?? DEFAULT_TIMEOUT),
    ...(deadline ? { deadline } : {}),
    agentCertificateSeen: (host, notAfter) => warnings.agent(host, notAfter),
  });
}
