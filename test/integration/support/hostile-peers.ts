// Connections a hostile peer opens to an agent on 127.0.0.1: raw TCP that never sends, and
// TLS that sends half a ClientHello and stops. Each records when it opened and when the
// agent closed it. Everything is destroyed by `release`, so a test never leaves them behind.
import { connect, createServer, type Socket } from 'net';
import { connect as tlsConnect } from 'tls';

export interface HeldSocket {
  socket: Socket;
  openedAt: number;
  closedAt?: number;
  /** the client's port, as the agent sees it */
  localPort?: number;
}

/** The first flight of a real TLS client (its ClientHello), captured on a local socket. */
export async function clientHelloBytes(): Promise<Buffer> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    return await new Promise<Buffer>((resolve) => {
      server.once('connection', (s) => s.once('data', (d: Buffer) => {
        resolve(d);
        s.destroy();
      }));
      tlsConnect({ host: '127.0.0.1', port, servername: 'lvs1', ALPNProtocols: ['h2'], rejectUnauthorized: false }).on('error', () => undefined);
    });
  } finally {
    server.close();
  }
}

/** Opens `count` connections, `batch` at a time; each sends `first` (if any) and then nothing. */
export async function openSilent(port: number, count: number, first?: Buffer, batch = 100): Promise<HeldSocket[]> {
  const held: HeldSocket[] = [];
  for (let done = 0; done < count; done += batch) {
    const opening = Array.from({ length: Math.min(batch, count - done) }, () => new Promise<void>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      const entry: HeldSocket = { socket, openedAt: Date.now() };
      held.push(entry);
      socket.on('error', () => undefined);
      socket.once('close', () => {
        entry.closedAt = Date.now();
        resolve();
      });
      socket.once('connect', () => {
        entry.openedAt = Date.now();
        entry.localPort = socket.localPort;
        if (first) socket.write(first);
        resolve();
      });
      socket.resume();
    }));
    await Promise.all(opening);
  }
  return held;
}

export function stillOpen(held: HeldSocket[]): number {
  return held.filter((h) => h.closedAt === undefined).length;
}

export function release(held: HeldSocket[]): void {
  for (const h of held) h.socket.destroy();
}
