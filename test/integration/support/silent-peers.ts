// Peers that take a connection and then say nothing, on 127.0.0.1:0: a raw TCP listener,
// and a TLS server that completes the handshake with a real certificate and then stays
// silent (no HTTP/2 greeting). stop() ends every connection they hold.
import { readFileSync } from 'fs';
import { createServer, type Server, type Socket } from 'net';
import { createServer as createTlsServer } from 'tls';
import type { TlsFiles } from '../../../lvs/wire/tls-files';

export interface SilentPeer {
  port: number;
  /** connections accepted (TCP) or completed (TLS) so far */
  connections(): number;
  /** connections still open now */
  open(): number;
  stop(): Promise<void>;
}

function serve(server: Server, sockets: Set<Socket>, counted: () => number): Promise<SilentPeer> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        port: (server.address() as { port: number }).port,
        connections: counted,
        open: () => sockets.size,
        stop: () => new Promise<void>((done) => {
          for (const s of sockets) s.destroy();
          server.close(() => done());
        }),
      });
    });
  });
}

/** Accepts TCP, never writes a byte. */
export function startSilentTcp(): Promise<SilentPeer> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server = createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    // read and drop what comes, so the client's close is seen; never write
    socket.resume();
  });
  return serve(server, sockets, () => count);
}

/** Completes the TLS handshake as the agent's certificate would (h2 offered), then never writes. */
export function startSilentTls(files: TlsFiles): Promise<SilentPeer> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server = createTlsServer({
    ca: readFileSync(files.ca), cert: readFileSync(files.cert), key: readFileSync(files.key),
    requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'],
  }, (socket) => {
    count++;
    socket.on('error', () => undefined);
    socket.resume();
  });
  // every raw connection, so that stop() also ends those still in their handshake
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('tlsClientError', () => undefined);
  return serve(server, sockets, () => count);
}
