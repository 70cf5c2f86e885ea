// A real agent gRPC server on 127.0.0.1:0 with a fake applier, and a real client to it.
import type { HostApplier } from '../../../lvs/apply-events';
import type { Logger } from 'winston';
import type { DirectorPreconditions } from '../../../agent/kernel/preconditions';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import type { AgentRole } from '../../../lvs/wire/enum-names';
import { readTlsFiles, type TlsFiles } from '../../../lvs/wire/tls-files';
import { AgentService } from '../../../agent/server/agent-service';
import type { StatusSource } from '../../../lvs/status';
import { agentServerCredentials, startAgentServer, type RunningAgent } from '../../../agent/server/agent-server';
import { fileGenerationStore } from '../../../agent/state/generation';
import { silentLogger } from '../../../agent/logging';
import type { AgentClient } from '../../../controller/client/agent-client';
import { createGrpcConnector } from '../../../controller/client/grpc-client';
import type { ClientTls } from '../../../controller/client/tls-options';
import { FakeApplier } from './fake-applier';

export interface TestAgent {
  port: number;
  applier: FakeApplier;
  stateDir: string;
  running: RunningAgent;
  service: AgentService;
  stop(): Promise<void>;
}

export async function startTestAgent(opts: {
  role?: AgentRole; tls?: TlsFiles; allow?: string[]; status?: StatusSource; preconditions?: DirectorPreconditions; logger?: Logger;
  /** the real applier to serve, built on this state dir; default a FakeApplier */
  applier?: (stateDir: string) => HostApplier;
}): Promise<TestAgent> {
  const stateDir = mkdtempSync(join(tmpdir(), 'lvsctl-state-'));
  const fake = new FakeApplier();
  const applier = opts.applier ? opts.applier(stateDir) : fake;
  const material = opts.tls ? readTlsFiles(opts.tls) : undefined;
  const service = new AgentService({
    identity: { host: 'lvs1', role: opts.role ?? 'director', version: '9.9.9', capabilities: ['ipvs'] },
    applier,
    generations: fileGenerationStore(stateDir),
    authorization: { tls: material !== undefined, allow: opts.allow ?? [] },
    logger: opts.logger ?? silentLogger(),
    ...(opts.status ? { status: opts.status } : {}),
    ...(opts.preconditions ? { preconditions: opts.preconditions } : {}),
  });
  const running = await startAgentServer({
    listen: { host: '127.0.0.1', port: 0 },
    credentials: agentServerCredentials(material),
    service,
    shutdownGraceMs: 300,
  });
  return {
    port: running.port,
    applier: fake,
    stateDir,
    running,
    service,
    async stop() {
      await running.shutdown();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

export function mtls(files: TlsFiles): ClientTls {
  return { kind: 'mtls', files, material: readTlsFiles(files) };
}

export function clientTo(port: number, tls: ClientTls, timeoutMs = 5000, host = 'lvs1'): AgentClient {
  return createGrpcConnector({ tls, timeoutMs })({ host, address: '127.0.0.1', port });
}
