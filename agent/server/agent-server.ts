// Starts and stops the gRPC server that carries the Agent service: credentials, limits,
// binding, and the graceful stop that SIGTERM asks for.
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { isIP } from 'net';
import type { TlsMaterial } from '../../lvs/wire/tls-files';
import { SERVER_OPTIONS } from '../../lvs/wire/limits';
import type { AgentService } from './agent-service';

export interface ListenAddress {
  host: string;
  port: number;
}

/** "0.0.0.0:7400", "127.0.0.1:0", "[::]:7400" → host and port; a message naming the fix otherwise. */
export function parseListenAddress(text: string): ListenAddress {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([0-9.]+)):(\d{1,5})$/.exec(text);
  const host = m ? (m[1] ?? m[2]) : '';
  const port = m ? Number(m[3]) : NaN;
  if (!m || isIP(host) === 0 || port > 65535) {
    throw new Error(`--listen ${JSON.stringify(text)}: must be ADDRESS:PORT, e.g. 0.0.0.0:7400 or [::]:7400`);
  }
  return { host, port };
}

function grpcTarget(address: ListenAddress): string {
  return isIP(address.host) === 6 ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/** Mutual TLS: the client must present a certificate our CA signed; undefined = plain TCP (--insecure). */
export function agentServerCredentials(tls: TlsMaterial | undefined): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(tls.ca, [{ private_key: tls.key, cert_chain: tls.cert }], true);
}

export interface RunningAgent {
  /** the bound port (useful with --listen ADDR:0) */
  port: number;
  /** stop accepting calls, let the apply in flight finish, then close */
  shutdown(): Promise<void>;
}

export async function startAgentServer(opts: {
  listen: ListenAddress;
  credentials: ServerCredentials;
  service: AgentService;
  /**
   * After the apply in flight finished, how long other connections get to close before
   * they are cut: a client that never finished its handshake would otherwise hold the
   * graceful shutdown open for ever. Default 3 s.
   */
  shutdownGraceMs?: number;
}): Promise<RunningAgent> {
  const server = new Server(SERVER_OPTIONS);
  opts.service.addToServer(server);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(grpcTarget(opts.listen), opts.credentials, (err, bound) => {
      if (err) {
        return reject(new Error(`cannot listen on ${grpcTarget(opts.listen)}: ${err.message} (is another agent running? choose another --listen)`));
      }
      return resolve(bound);
    });
  });
  return {
    port,
    async shutdown() {
      const drained = opts.service.drain();
      const closed = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      await drained;
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, opts.shutdownGraceMs ?? 3000);
      });
      await Promise.race([closed, grace]);
      clearTimeout(timer);
      server.forceShutdown();
    },
  };
}
