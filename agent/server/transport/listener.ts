// The agent's listening socket, in front of the gRPC server: it accepts TCP connections,
// runs the TLS handshake (mutual TLS, the CRL), bounds how many connections are held and
// for how long, and hands each authenticated connection to gRPC
// (Server.createConnectionInjector). Done here rather than inside grpc-js because grpc-js
// offers no handshake deadline, no connection cap and no event for a refused client
// certificate: a client that connects and sends nothing would hold a socket for two
// minutes (Node's default handshake timeout), and thousands of them could be held at once.
import { constants } from 'crypto';
import { createServer as createTcpServer, Socket, type Server as NetServer } from 'net';
import type { Duplex } from 'stream';
import { createServer as createTlsServer, type SecureContextOptions, type Server as TlsServer, type TLSSocket } from 'tls';
import { refusalOf } from './handshake-refusal';
import { HeldConnections } from './held-connections';
import { hostPort, type ListenAddress } from './listen-address';
import type { ThrottledLog } from './throttled-log';

export interface ConnectionLimits {
  handshakeTimeoutMs: number;
  maxHandshaking: number;
  maxConnections: number;
  maxRefused: number;
  refusedHoldMs: number;
  halfClosedGraceMs: number;
}

export interface ConnectionCounts {
  /** accepted, TLS handshake not finished */
  handshaking: number;
  /** handed to gRPC */
  connections: number;
}

export interface Listener {
  readonly port: number;
  counts(): ConnectionCounts;
  /** new certificates, CA or CRL: connections from now on use them, open ones are untouched */
  setSecureContext(options: SecureContextOptions): void;
  /** stops accepting and closes the connections still in their handshake; gRPC's stay open */
  stopAccepting(): void;
  /** closes every connection still open */
  destroyAll(): void;
}

export interface ListenerOptions {
  listen: ListenAddress;
  /** ca, cert, key and crl; undefined = plain TCP (--insecure) */
  tls: SecureContextOptions | undefined;
  limits: ConnectionLimits;
  log: ThrottledLog;
  /** hands an accepted connection (with TLS: authenticated) to gRPC */
  accept(connection: Duplex): void;
  /**
   * Whether the calls of this authenticated connection will be let through (--allow names
   * its certificate); absent: every one. One that will not is held apart (maxRefused,
   * refusedHoldMs), never in the slots of maxConnections.
   */
  admits?(tls: TLSSocket): boolean;
}

/** The options of every secure context the listener uses, at start and at each reload. */
export function serverTlsOptions(context: SecureContextOptions): SecureContextOptions {
  return {
    ...context,
    // No session resumption: each connection presents its certificate and has it checked
    // against the CA and CRL of the moment, so a reload takes effect for every new one.
    secureOptions: constants.SSL_OP_NO_TICKET,
  };
}

export function startListener(opts: ListenerOptions): Promise<Listener> {
  const { limits, log } = opts;
  // the raw socket of each connection in its handshake, by peer ("address:port", taken at
  // accept: a destroyed socket may no longer know it), to be found again once TLS is up
  const byPeer = new Map<string, Socket>();
  const unlink = (socket: Socket, peer: string): void => {
    if (byPeer.get(peer) === socket) byPeer.delete(peer);
  };
  const handshaking = new HeldConnections<Socket, string>(limits.maxHandshaking, limits.handshakeTimeoutMs, {
    evicted: (socket, peer) => {
      unlink(socket, peer);
      log.log('warn', 'connection closed: too many connections in their TLS handshake', {
        peer, limit: limits.maxHandshaking, detail: 'the oldest gives way to the newest',
      });
    },
    expired: (socket, peer) => {
      unlink(socket, peer);
      log.log('info', 'connection closed: no TLS handshake in time', { peer, timeoutMs: limits.handshakeTimeoutMs });
    },
  });
  const open = new Set<Duplex>();
  // connections --allow does not admit: answered with the refusal for a short while, apart from the cap
  const refused = new HeldConnections<TLSSocket, string>(limits.maxRefused, limits.refusedHoldMs);
  let accepting = true;

  const peerOf = (s: Socket): string => hostPort(s.remoteAddress, s.remotePort);

  const hold = (connection: Duplex): void => {
    open.add(connection);
    connection.once('close', () => open.delete(connection));
    // gRPC ends a session it closes (idle, GOAWAY) with end(), and waits for the peer's end:
    // a peer that never sends it would hold its slot for good
    connection.once('finish', () => {
      const grace = setTimeout(() => connection.destroy(), limits.halfClosedGraceMs);
      grace.unref();
      connection.once('close', () => clearTimeout(grace));
    });
    opts.accept(connection);
  };

  /** A new TCP connection, before TLS: counted, and given its deadline. */
  const onTlsConnection = (socket: Socket): void => {
    // errors of a socket in its handshake are the TLS layer's to report (tlsClientError)
    socket.on('error', () => undefined);
    if (!accepting || socket.remoteAddress === undefined) return void socket.destroy();
    const peer = peerOf(socket);
    handshaking.add(socket, peer);
    byPeer.set(peer, socket);
    socket.once('close', () => unlink(socket, peer));
  };

  /** The handshake finished: check what the client proved, then hand it to gRPC. */
  const onSecure = (tls: TLSSocket): void => {
    const peer = hostPort(tls.remoteAddress, tls.remotePort);
    const raw = byPeer.get(peer);
    if (raw) {
      handshaking.forget(raw);
      unlink(raw, peer);
    }
    tls.on('error', () => undefined); // gRPC's session reports what matters; an unhandled 'error' would end the process
    const refusal = refusalOf(tls);
    if (refusal) {
      log.log('warn', 'connection refused: client certificate', { peer, ...refusal });
      return void tls.destroy();
    }
    if (opts.admits && !opts.admits(tls)) return holdRefused(tls, peer);
    if (open.size >= limits.maxConnections) {
      log.log('warn', 'connection refused: too many connections', { peer, limit: limits.maxConnections });
      return void tls.destroy();
    }
    hold(tls);
  };

  /** A certificate --allow does not name: gRPC answers its calls with the refusal, for a short while, apart from the cap. */
  const holdRefused = (tls: TLSSocket, peer: string): void => {
    log.log('warn', 'connection of a certificate --allow does not name: its calls are refused, and it is closed', {
      peer, holdMs: limits.refusedHoldMs, limit: limits.maxRefused,
    });
    refused.add(tls, peer);
    opts.accept(tls);
  };

  /** --insecure: nothing to wait for; at the cap the oldest gives way, as nothing is authenticated. */
  const onPlainConnection = (socket: Socket): void => {
    socket.on('error', () => undefined);
    if (!accepting) return void socket.destroy();
    if (open.size >= limits.maxConnections) {
      const oldest = open.values().next().value as Duplex;
      log.log('warn', 'connection closed: too many connections', {
        peer: oldest instanceof Socket ? peerOf(oldest) : '?', limit: limits.maxConnections, detail: 'the oldest gives way to the newest',
      });
      open.delete(oldest);
      oldest.destroy();
    }
    hold(socket);
  };

  let server: NetServer | TlsServer;
  if (opts.tls) {
    const tlsServer = createTlsServer({
      ...serverTlsOptions(opts.tls),
      requestCert: true,
      // decided in onSecure, so that every refusal is logged with its reason
      rejectUnauthorized: false,
      ALPNProtocols: ['h2'],
    });
    // before Node's own listener wraps the socket in TLS
    tlsServer.prependListener('connection', onTlsConnection);
    tlsServer.on('secureConnection', onSecure);
    tlsServer.on('tlsClientError', (err: NodeJS.ErrnoException, tls: TLSSocket) => {
      const peer = hostPort(tls.remoteAddress, tls.remotePort);
      // a peer that went away (or that the deadline or the cap closed) is not news
      if (err.code === 'ECONNRESET') return log.log('debug', 'connection closed before its TLS handshake ended', { peer });
      log.log('info', 'connection closed: TLS handshake failed', { peer, error: err.code ?? err.message });
    });
    server = tlsServer;
  } else {
    server = createTcpServer(onPlainConnection);
  }

  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const where = hostPort(opts.listen.host, opts.listen.port);
      reject(new Error(`cannot listen on ${where}: ${err.code ?? err.message} (${listenFix(err.code, opts.listen.host)})`));
    });
    server.listen(opts.listen.port, opts.listen.host, () => {
      server.removeAllListeners('error');
      server.on('error', (err: Error) => log.log('warn', 'listening socket error', { error: err.message }));
      const port = (server.address() as { port: number }).port;
      resolve({
        port,
        counts: () => ({ handshaking: handshaking.size, connections: open.size }),
        setSecureContext(options) {
          if (!opts.tls) throw new Error('this agent serves plain TCP (--insecure): it has no certificates to reload');
          (server as TlsServer).setSecureContext(serverTlsOptions(options));
        },
        stopAccepting() {
          accepting = false;
          handshaking.closeAll();
          // the port closes now; close()'s callback would wait for every connection to end
          server.close();
        },
        destroyAll() {
          handshaking.closeAll();
          for (const connection of [...open]) connection.destroy();
          open.clear();
          refused.closeAll();
        },
      });
    });
  });
}

/** What to do about a --listen the kernel refused, by its errno. */
function listenFix(code: string | undefined, host: string): string {
  if (code === 'EADDRINUSE') return 'is another agent running? choose another --listen';
  if (code === 'EADDRNOTAVAIL') return `${host} is not an address of this host (see \`ip -brief address\`): listen on one of its addresses, or on 0.0.0.0 or [::]`;
  if (code === 'EACCES') return 'a port below 1024 needs root or CAP_NET_BIND_SERVICE';
  return 'choose another --listen';
}
