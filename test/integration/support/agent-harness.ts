// A real agent gRPC server on 127.0.0.1:0 with a fake applier, and a real client to it.
import type { HostApplier } from '../../../lvs/apply-events';
import type { Logger } from 'winston';
import type { DirectorPreconditions } from '../../../agent/kernel/preconditions';
import { rmSync } from 'fs';
import type { AgentRole } from '../../../lvs/wire/enum-names';
import { readTlsFiles, type TlsFiles } from '../../../lvs/wire/tls-files';
import { AgentService, type AgentServiceDeps } from '../../../agent/server/agent-service';
import type { StatusSource } from '../../../lvs/status';
import { startAgentServer, type RunningAgent } from '../../../agent/server/agent-server';
import { Revocations } from '../../../agent/server/revocation';
import type { ConnectionLimits } from '../../../agent/server/transport/listener';
import { loadTlsIdentity, secureContextOf, type AgentTlsFiles } from '../../../agent/server/transport/tls-identity';
import { tlsReloader } from '../../../agent/server/transport/tls-reloader';
import { fileGenerationStore } from '../../../agent/state/generation';
import { silentLogger } from '../../../agent/logging';
import type { AgentClient } from '../../../controller/client/agent-client';
import { createGrpcConnector } from '../../../controller/client/grpc-client';
import type { ClientTls } from '../../../controller/client/tls-options';
import { FakeApplier } from './fake-applier';
import { tempDirSync } from '../../temp-dirs';

export interface TestAgent {
  port: number;
  applier: FakeApplier;
  stateDir: string;
  running: RunningAgent;
  service: AgentService;
  /** reads the TLS files again, as SIGHUP does; false when they were refused */
  reload(): Promise<boolean>;
  stop(): Promise<void>;
}

export async function startTestAgent(opts: {
  role?: AgentRole; tls?: AgentTlsFiles; allow?: string[]; status?: StatusSource; preconditions?: DirectorPreconditions; logger?: Logger;
  limits?: Partial<ConnectionLimits>; idleConnectionMs?: number;
  /** the real applier to serve, built on this state dir; default a FakeApplier */
  applier?: (stateDir: string) => HostApplier;
  /** called when a hello says an apply follows */
  applyAnnounced?: () => void;
  /** the collection once idle (agent/idle-collect.ts); default none */
  idleCollector?: AgentServiceDeps['idleCollector'];
}): Promise<TestAgent> {
  // removed by stop(), or at the end of the run when a test never stopped its agent
  const stateDir = tempDirSync('lvsctl-state-');
  const fake = new FakeApplier();
  const applier = opts.applier ? opts.applier(stateDir) : fake;
  const identity = opts.tls ? await loadTlsIdentity(opts.tls) : undefined;
  const revocations = new Revocations();
  revocations.replace(identity?.crl?.revoked ?? []);
  const logger = opts.logger ?? silentLogger();
  const service = new AgentService({
    identity: { host: 'lvs1', role: opts.role ?? 'director', version: '9.9.9', capabilities: ['ipvs'] },
    applier,
    generations: fileGenerationStore(stateDir),
    authorization: { tls: identity !== undefined, allow: opts.allow ?? [], revoked: revocations },
    logger,
    ...(opts.status ? { status: opts.status } : {}),
    ...(opts.preconditions ? { preconditions: opts.preconditions } : {}),
    ...(opts.applyAnnounced ? { applyAnnounced: opts.applyAnnounced } : {}),
    ...(opts.idleCollector ? { idleCollector: opts.idleCollector } : {}),
  });
  const running = await startAgentServer({
    listen: { host: '127.0.0.1', port: 0 },
    tls: identity ? secureContextOf(identity) : undefined,
    service,
    logger,
    shutdownGraceMs: 300,
    allow: opts.allow ?? [],
    ...(opts.limits ? { limits: opts.limits } : {}),
    ...(opts.idleConnectionMs ? { idleConnectionMs: opts.idleConnectionMs } : {}),
  });
  const tls = opts.tls;
  const reload = tls
    ? tlsReloader({ files: tls, logger, apply: (next) => { running.reloadTls(secureContextOf(next)); revocations.replace(next.crl?.revoked ?? []); } })
    : () => Promise.resolve(false);
  return {
    port: running.port,
    applier: fake,
    stateDir,
    running,
    service,
    reload,
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
