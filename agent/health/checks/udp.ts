// keepalived's UDP_CHECK: one datagram to the realserver; healthy when a reply comes back
// in time (and starts with the expected bytes or matches the regex). The socket is
// connected, so an ICMP port unreachable fails the check at once (ECONNREFUSED) instead of
// waiting for the timeout; replies from anyone else are not delivered to it.
import dgram from 'node:dgram';
import type { UdpCheckOptions } from '../../../lvs/health/check-options';
import { formatAddressPort, isIpv6 } from '../../../lvs/model';
import type { ProbeResult } from '../../../lvs/health/types';
import { settleOnce } from './settle';

export interface UdpProbeOptions extends UdpCheckOptions {
  address: string;
  port: number;
  timeoutMs: number;
  readTimeoutMs?: number;
}

function shown(reply: Buffer): string {
  const head = reply.subarray(0, 32);
  return /^[\x20-\x7e]*$/.test(head.toString('latin1')) ? JSON.stringify(head.toString('latin1')) : `0x${head.toString('hex')}`;
}

export function udpCheck(o: UdpProbeOptions): Promise<ProbeResult> {
  const where = `udp ${formatAddressPort(o.address, o.port)}`;
  const waitMs = Math.min(o.readTimeoutMs ?? o.timeoutMs, o.timeoutMs);
  return settleOnce(waitMs, () => `${where}: no reply within ${waitMs} ms`, ({ finish, onSettle }) => {
    const socket = dgram.createSocket(isIpv6(o.address) ? 'udp6' : 'udp4');
    onSettle(() => socket.close());
    socket.on('error', (err) => finish(false, `${where}: ${err.message}`));
    socket.on('message', (reply) => {
      if (o.expectHex && !reply.subarray(0, o.expectHex.length / 2).equals(Buffer.from(o.expectHex, 'hex'))) {
        finish(false, `${where}: reply ${shown(reply)} does not start with 0x${o.expectHex}`);
      } else if (o.expectRegex && !new RegExp(o.expectRegex).test(reply.toString('latin1'))) {
        finish(false, `${where}: reply ${shown(reply)} does not match /${o.expectRegex}/`);
      } else {
        finish(true, `${where}: reply of ${reply.length} bytes`);
      }
    });
    socket.connect(o.port, o.address, () => {
      socket.send(Buffer.from(o.sendHex, 'hex'), (err) => {
        if (err) finish(false, `${where}: ${err.message}`);
      });
    });
  });
}
