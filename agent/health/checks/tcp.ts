// keepalived's TCP_CHECK: healthy when a TCP connection is established in time; it is closed at once.
import net from 'node:net';
import { formatAddressPort } from '../../../lvs/model';
import type { ProbeResult } from '../../../lvs/health/types';
import { elapsedMs, settleOnce } from './settle';

export interface TcpCheckOptions {
  address: string;
  port: number;
  timeoutMs: number;
  /** bound on the connect alone; absent = timeoutMs */
  connectTimeoutMs?: number;
}

export function tcpCheck(options: TcpCheckOptions): Promise<ProbeResult> {
  const { address, port, timeoutMs } = options;
  const where = formatAddressPort(address, port);
  const connectMs = Math.min(options.connectTimeoutMs ?? timeoutMs, timeoutMs);
  return settleOnce(connectMs, () => `tcp ${where}: no connection within ${connectMs} ms`, ({ finish, onSettle, started }) => {
    const socket = net.connect({ host: address, port });
    onSettle(() => socket.destroy());
    socket.once('connect', () => finish(true, `tcp ${where}: connected in ${Math.round(elapsedMs(started))} ms`));
    socket.on('error', (err) => finish(false, `tcp ${where}: ${err.message}`));
  });
}
