// The TCP listeners over sock_diag against a kernel at the byte level: what is asked (a
// dump per family, LISTEN only), what the replies become, an IPv6 refusal is no listener,
// one socket a read closed whatever happens, and the fall-back to /proc/net/tcp once the
// kernel refuses sock_diag.
import { strict as assert } from 'node:assert';
import type { RawNetlinkSocket, RawNetlinkSocketFactory } from '../../../agent/kernel/linux/netlink-socket';
import { listeningReaderWithFallback, sockDiagListeningReader } from '../../../agent/kernel/linux/sock-diag-listening';
import { AF_INET, AF_INET6, decodeDiagMessage, SOCK_DIAG_BY_FAMILY, TCP_LISTEN, tcpDumpRequest } from '../../../lvs/formats/inet-diag';
import { NLMSG_DONE, NLMSG_ERROR, NLM_F_DUMP, NLM_F_MULTI, NLM_F_REQUEST, netlinkMessage, splitMessages } from '../../../lvs/formats/netlink-wire';

/** struct inet_diag_msg: family, state, then the sockid (ports and addresses in network order) */
function diagMessage(family: number, state: number, address: number[], port: number, v6only?: boolean): Buffer {
  const m = Buffer.alloc(72);
  m.writeUInt8(family, 0);
  m.writeUInt8(state, 1);
  m.writeUInt16BE(port, 4);
  Buffer.from(address).copy(m, 8);
  if (v6only === undefined) return m;
  // INET_DIAG_SKV6ONLY (11): a u8, its attribute padded to 8 bytes
  const attr = Buffer.alloc(8);
  attr.writeUInt16LE(5, 0);
  attr.writeUInt16LE(11, 2);
  attr.writeUInt8(v6only ? 1 : 0, 4);
  return Buffer.concat([m, attr]);
}

class FakeDiagKernel {
  listeners: Buffer[] = [];
  refuse: { family: number; errno: number } | undefined;
  opened = 0;
  closed = 0;
  readonly asked: Array<{ family: number; protocol: number; states: number }> = [];

  sockets(): RawNetlinkSocketFactory {
    return () => this.socket();
  }

  private socket(): RawNetlinkSocket {
    const listeners: Array<(d: Buffer) => void> = [];
    this.opened += 1;
    return {
      send: async (data) => {
        for (const m of splitMessages(data)) {
          assert.equal(m.type, SOCK_DIAG_BY_FAMILY);
          assert.equal(m.flags, NLM_F_REQUEST | NLM_F_DUMP);
          const family = m.payload.readUInt8(0);
          this.asked.push({ family, protocol: m.payload.readUInt8(1), states: m.payload.readUInt32LE(4) });
          let replies: Buffer[];
          if (this.refuse?.family === family) {
            const error = Buffer.alloc(20);
            error.writeInt32LE(-this.refuse.errno, 0);
            replies = [netlinkMessage(NLMSG_ERROR, 0, m.seq, error)];
          } else {
            const mine = this.listeners.filter((l) => l.readUInt8(0) === family);
            replies = [...mine.map((l) => netlinkMessage(SOCK_DIAG_BY_FAMILY, NLM_F_MULTI, m.seq, l)), netlinkMessage(NLMSG_DONE, NLM_F_MULTI, m.seq, Buffer.alloc(4))];
          }
          setImmediate(() => listeners.forEach((l) => l(Buffer.concat(replies))));
        }
      },
      onDatagram: (l) => { listeners.push(l); },
      onError: () => undefined,
      receiveBufferBytes: () => 0,
      close: () => { this.closed += 1; },
    };
  }
}

describe('sock_diag: the TCP listeners', () => {
  it('asks for TCP sockets in LISTEN of each family and reads their local address and port', async () => {
    const kernel = new FakeDiagKernel();
    kernel.listeners = [
      diagMessage(AF_INET, TCP_LISTEN, [10, 9, 1, 1], 80),
      diagMessage(AF_INET, TCP_LISTEN, [0, 0, 0, 0], 9090),
      diagMessage(AF_INET6, TCP_LISTEN, Array(16).fill(0), 8080),
      diagMessage(AF_INET6, TCP_LISTEN, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1], 443),
    ];
    const listeners = await sockDiagListeningReader(kernel.sockets())();
    assert.deepEqual(listeners, [
      { address: '10.9.1.1', port: 80 }, { address: '0.0.0.0', port: 9090 }, { address: '::', port: 8080 }, { address: '::ffff:10.0.0.1', port: 443 },
    ]);
    assert.deepEqual(kernel.asked, [{ family: AF_INET, protocol: 6, states: 1 << TCP_LISTEN }, { family: AF_INET6, protocol: 6, states: 1 << TCP_LISTEN }]);
    assert.deepEqual([kernel.opened, kernel.closed], [1, 1]);
  });

  it('drops a socket in another state, should a kernel send one', async () => {
    const kernel = new FakeDiagKernel();
    kernel.listeners = [diagMessage(AF_INET, 1 /* ESTABLISHED */, [10, 0, 0, 1], 80), diagMessage(AF_INET, TCP_LISTEN, [10, 0, 0, 1], 81)];
    assert.deepEqual(await sockDiagListeningReader(kernel.sockets())(), [{ address: '10.0.0.1', port: 81 }]);
  });

  it('a refused IPv6 dump (IPv6 disabled) is no listener; a refused IPv4 dump is an error, and the socket is closed', async () => {
    const kernel = new FakeDiagKernel();
    kernel.listeners = [diagMessage(AF_INET, TCP_LISTEN, [0, 0, 0, 0], 22)];
    kernel.refuse = { family: AF_INET6, errno: 2 };
    assert.deepEqual(await sockDiagListeningReader(kernel.sockets())(), [{ address: '0.0.0.0', port: 22 }]);
    kernel.refuse = { family: AF_INET, errno: 2 };
    await assert.rejects(sockDiagListeningReader(kernel.sockets())(), /reading the TCP listeners \(sock_diag dump, IPv4\): ENOENT/);
    assert.equal(kernel.opened, kernel.closed);
  });

  it('falls back to /proc/net/tcp for good from the first refusal, and says so once', async () => {
    const kernel = new FakeDiagKernel();
    kernel.refuse = { family: AF_INET, errno: 22 };
    const said: string[] = [];
    let procReads = 0;
    const read = listeningReaderWithFallback(sockDiagListeningReader(kernel.sockets()), async () => { procReads++; return [{ address: '0.0.0.0', port: 80 }]; }, (why) => said.push(why));
    assert.deepEqual(await read(), [{ address: '0.0.0.0', port: 80 }]);
    assert.deepEqual(await read(), [{ address: '0.0.0.0', port: 80 }]);
    assert.equal(kernel.asked.length, 1, 'sock_diag is not asked again');
    assert.equal(procReads, 2);
    assert.equal(said.length, 1);
    assert.match(said[0], /EINVAL/);
  });

  it('an error that is not the kernel refusing (a timeout, a bad reply) is not a reason to fall back', async () => {
    const failing = async () => { throw new Error('no answer from the kernel within 10000 ms'); };
    const read = listeningReaderWithFallback(failing, async () => [], () => assert.fail('no fall-back'));
    await assert.rejects(read(), /no answer/);
  });
});

describe('inet_diag codec', () => {
  it('writes struct inet_diag_req_v2 after the netlink header', () => {
    const m = splitMessages(tcpDumpRequest(AF_INET6, 1 << TCP_LISTEN, 7))[0];
    assert.equal(m.seq, 7);
    assert.equal(m.payload.length, 56);
    assert.deepEqual([...m.payload.subarray(0, 8)], [AF_INET6, 6, 0, 0, 0, 4, 0, 0]);
    assert.ok(m.payload.subarray(8).every((b) => b === 0), 'the sockid is left zero: every socket');
  });

  it('refuses a short message or an unknown family with what it got', () => {
    assert.throws(() => decodeDiagMessage(Buffer.alloc(40)), /inet_diag_msg of 40 bytes/);
    // an IPv6 socket's IPV6_V6ONLY, from its attribute
    const any6 = new Array<number>(16).fill(0);
    assert.equal(decodeDiagMessage(diagMessage(AF_INET6, TCP_LISTEN, any6, 80, true)).v6only, true);
    assert.equal(decodeDiagMessage(diagMessage(AF_INET6, TCP_LISTEN, any6, 80, false)).v6only, false);
    assert.equal(decodeDiagMessage(diagMessage(AF_INET6, TCP_LISTEN, any6, 80)).v6only, undefined);
    assert.throws(() => decodeDiagMessage(diagMessage(1, TCP_LISTEN, [], 0)), /address family 1/);
  });
});
