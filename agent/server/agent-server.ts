// Starts and stops the gRPC server that carries the Agent service: the listening socket
// with its TLS and its bounds (transport/listener.ts), the gRPC server it hands
// connections to, a reload of the certificates, and the graceful stop that SIGTERM asks for.
import { ServerCredentials } from '@grpc/grpc-js';
import type { SecureContextOptions, TLSSocket } from 'tls';
import type { Logger } from 'winston';
import { CONNECTION_LIMITS, SERVER_OPTIONS } from '../../lvs/wire/limits';
import type { AgentService } from './agent-service';
import { certificateNames } from './authorize';
import { startListener, type ConnectionCounts, type ConnectionLimits } from './transport/listener';
import type { ListenAddress } from './transport/listen-address';
import { throttledLog } from './transport/throttled-log';

export { parseListenAddress, type ListenAddress } from './transport/listen-address';

export interface RunningAgent {
  /** the bound port (useful with --listen ADDR:0) */
  port: number;
  /** connections held now */
  connections(): ConnectionCounts;
  /** new CA, certificate, key or CRL for the connections to come; those open (an apply in flight) keep theirs */
  reloadTls(context: SecureContextOptions): void;
  /** stop accepting calls, let the apply in flight finish, then close */
  shutdown(): Promise<void>;
}

export async function startAgentServer(opts: {
  listen: ListenAddress;
  /** ca, cert, key and crl for mutual TLS; undefined = plain TCP (--insecure) */
  tls: SecureContextOptions | undefined;
  service: AgentService;
  logger: Logger;
  /** --allow: certificate names whose calls are let through; empty or absent = every one the CA signed */
  allow?: readonly string[];
  /** tests shorten them */
  limits?: Partial<ConnectionLimits>;
  idleConnectionMs?: number;
  /**
   * After the apply in flight finished, how long other connections get to close before
   * they are cut: a client that never finished its handshake would otherwise hold the
   * graceful shutdown open for ever. Default 3 s.
   */
  shutdownGraceMs?: number;
}): Promise<RunningAgent> {
  const server = opts.service.createServer({ ...SERVER_OPTIONS, ...(opts.idleConnectionMs ? { 'grpc.max_connection_idle_ms': opts.idleConnectionMs } : {}) });
  // The listener did the TLS: the injector gets the authenticated TLS socket, from which
  // gRPC reads the client certificate of each call (getAuthContext). Should a grpc-js
  // ever stop reading it from an injected socket, authorize.ts finds no certificate and
  // refuses every call: this fails closed (test/integration/agent-mtls.test.ts).
  const injector = server.createConnectionInjector(ServerCredentials.createInsecure());
  const log = throttledLog(opts.logger);
  const listener = await startListener({
    listen: opts.listen,
    tls: opts.tls,
    limits: { ...CONNECTION_LIMITS, ...opts.limits },
    log,
    accept: (connection) => injector.injectConnection(connection),
    ...(opts.tls && opts.allow && opts.allow.length > 0 ? { admits: admittedBy(opts.allow) } : {}),
  });
  return {
    port: listener.port,
    connections: () => listener.counts(),
    reloadTls(context) {
      listener.setSecureContext(context);
    },
    async shutdown() {
      const drained = opts.service.drain();
      listener.stopAccepting();
      const closed = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      await drained;
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, opts.shutdownGraceMs ?? 3000);
      });
      await Promise.race([closed, grace]);
      clearTimeout(timer);
      server.forceShutdown();
      listener.destroyAll();
      log.close();
    },
  };
}

/** Whether a connection's certificate is one --allow names (its calls will pass authorize.ts). */
function admittedBy(allow: readonly string[]): (tls: TLSSocket) => boolean {
  return (tls) => certificateNames(tls.getPeerCertificate()).some((name) => allow.includes(name));
}
