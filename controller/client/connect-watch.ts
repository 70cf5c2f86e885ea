// grpc-js opens its TCP connections itself (net.connect) and hands them over only once they
// are up, so it can neither bound nor cancel a connect to a host that drops packets. Node
// announces every client socket it creates on the 'net.client.socket' diagnostics channel,
// and each socket says where it dials with 'connectionAttempt' (Node 20.12 and 21.6 on):
// this hands the socket that starts dialing an address and port to the one waiting for it,
// so bounded-credentials.ts can bound grpc-js's own connect instead of opening one of its
// own first (which cost every agent a connection, at every command).
import { subscribe } from 'node:diagnostics_channel';
import { Socket } from 'node:net';

/** Node emits 'connectionAttempt' from 20.12 and 21.6 on. */
export function nodeReportsConnectionAttempts(version: string = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 21 || (major === 21 && minor >= 6) || (major === 20 && minor >= 12);
}

type Adopt = (socket: Socket) => void;

/** Who waits for a socket to each "address port", first come first served. */
const waiting = new Map<string, Adopt[]>();
let subscribed = false;

const endpointKey = (address: string, port: number): string => `${address} ${port}`;

function onClientSocket(message: unknown): void {
  if (waiting.size === 0) return;
  const socket = (message as { socket?: unknown } | undefined)?.socket;
  if (!(socket instanceof Socket)) return;
  socket.once('connectionAttempt', (address: string, port: number) => {
    const key = endpointKey(address, port);
    const queue = waiting.get(key);
    const adopt = queue?.shift();
    if (queue?.length === 0) waiting.delete(key);
    adopt?.(socket);
  });
}

/**
 * Calls `adopt` with the next socket of this process that starts dialing ADDRESS:PORT (an
 * IP address as the socket dials it). Returns a function that stops waiting.
 */
export function awaitConnectTo(address: string, port: number, adopt: Adopt): () => void {
  if (!subscribed) {
    subscribe('net.client.socket', onClientSocket);
    subscribed = true;
  }
  const key = endpointKey(address, port);
  const queue = waiting.get(key) ?? [];
  queue.push(adopt);
  waiting.set(key, queue);
  return () => {
    const at = queue.indexOf(adopt);
    if (at >= 0) queue.splice(at, 1);
    if (queue.length === 0 && waiting.get(key) === queue) waiting.delete(key);
  };
}
