// The IPVS netlink codec without a kernel: the bytes of a known request written out by hand
// from the kernel's layout (<linux/netlink.h>, <linux/genetlink.h>, <linux/ip_vs.h>), a dumped
// service decoded, every request decoding back to the operation it came from, the services
// the model cannot hold set aside with the ipvsadm backend's reasons, and ipvsadm's wording.
import { strict as assert } from 'node:assert';
import { addressBytes, dottedQuad, formatAddress } from '../../../lvs/formats/ip-address-bytes';
import {
  AF_INET, IPPROTO_SCTP, IPPROTO_UDP, IPVS_CMD, IPVS_CMD_ATTR, IPVS_DEST_ATTR, IPVS_STATS_ATTR, IPVS_SVC_ATTR, SVC_F,
  inetAddr, operationRequest, writeOperation,
} from '../../../lvs/formats/ipvs-netlink';
import { isIPv4 } from 'node:net';
import fc from 'fast-check';
import { decodeDestination, decodeService, type DumpedService } from '../../../lvs/formats/ipvs-netlink-decode';
import { IpvsBatchError, ipvsErrnoText, refusalOf } from '../../../lvs/formats/ipvs-netlink-errors';
import {
  NLM_F_ACK, NLM_F_REQUEST, NetlinkWriter, attr, be16Attr, genlMessage, nestedAttr, parseError, splitMessages, stringAttr, u16Attr,
  u32Attr, u8Attr,
} from '../../../lvs/formats/netlink-wire';
import type { IpvsOperation } from '../../../lvs/operations';
import { CONTRACT_TABLE, addAll } from '../kernel/ipvs-contract';

const hex = (text: string): Buffer => Buffer.from(text.replace(/#[^\n]*/g, '').replace(/\s+/g, ''), 'hex');

describe('IPVS netlink codec', () => {
  it('writes -A -t 10.0.0.100:80 -s rr -p 360 -M 255.255.255.0 as the kernel lays it out, byte for byte', () => {
    const op: IpvsOperation = {
      op: 'add-service',
      service: { key: { kind: 'tcp', vip: '10.0.0.100', port: 80 }, scheduler: 'rr', flags: [], persistence: { timeout: 360, netmask: '255.255.255.0' } },
    };
    const request = operationRequest(op);
    const bytes = genlMessage({ family: 0x1c, cmd: request.cmd, version: 1, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 7, attrs: request.attrs });
    assert.deepEqual(bytes, hex(`
      68000000 1c00 0500 07000000 00000000   # nlmsghdr: len 104, type = family 0x1c, REQUEST|ACK, seq 7, pid 0
      01 01 0000                             # genlmsghdr: IPVS_CMD_NEW_SERVICE, version 1
      5400 0100                              # IPVS_CMD_ATTR_SERVICE, 84 bytes (nested)
        0600 0100 0200 0000                  #   AF: u16 AF_INET, padded to 4
        0600 0200 0600 0000                  #   PROTOCOL: u16 IPPROTO_TCP
        1400 0300 0a000064 000000000000000000000000  # ADDR: union nf_inet_addr, 16 bytes
        0600 0400 0050 0000                  #   PORT: 80 in network order
        0700 0600 727200 00                  #   SCHED_NAME: "rr\\0", padded
        0c00 0700 01000000 ffffffff          #   FLAGS: struct ip_vs_flags { PERSISTENT, mask ~0 }
        0800 0800 68010000                   #   TIMEOUT: 360
        0800 0900 ffffff00                   #   NETMASK: a __be32, so 255.255.255.0 in network order
    `));
  });

  it('reads a dumped fwmark service: HASHED ignored, SCHED2 of sh is sh-port, STATS64 counters', () => {
    const body = nestedAttr(IPVS_CMD_ATTR.SERVICE, [
      u16Attr(IPVS_SVC_ATTR.AF, AF_INET),
      u32Attr(IPVS_SVC_ATTR.FWMARK, 1),
      stringAttr(IPVS_SVC_ATTR.SCHED_NAME, 'sh'),
      attr(IPVS_SVC_ATTR.FLAGS, hex('13000000 ffffffff')),
      u32Attr(IPVS_SVC_ATTR.TIMEOUT, 360),
      attr(IPVS_SVC_ATTR.NETMASK, hex('ffffffff')),
      nestedAttr(IPVS_SVC_ATTR.STATS, [u32Attr(IPVS_STATS_ATTR.CONNS, 99)]),
      nestedAttr(IPVS_SVC_ATTR.STATS64, [
        attr(IPVS_STATS_ATTR.CONNS, hex('0500000000000000')),
        attr(IPVS_STATS_ATTR.INPKTS, hex('0a00000000000000')),
        attr(IPVS_STATS_ATTR.INBYTES, hex('0000000000010000')),
        attr(IPVS_STATS_ATTR.OUTBYTES, hex('0700000000000000')),
      ]),
    ]);
    const dumped = decodeService(body);
    assert.deepEqual(dumped.service, { key: { kind: 'fwmark', mark: 1, family: 'inet' }, scheduler: 'sh', flags: ['sh-port'], persistence: { timeout: 360 } });
    assert.deepEqual(dumped.stats, { connections: 5, inPackets: 10, outPackets: 0, inBytes: 2 ** 40, outBytes: 7 });
    assert.equal(dumped.name, '-f 1');
  });

  it('decodes every request it encodes back to the same service and destination', () => {
    let owner: DumpedService | undefined;
    for (const op of addAll(CONTRACT_TABLE)) {
      const body = Buffer.concat(operationRequest(op).attrs);
      if (op.op === 'add-service') {
        owner = decodeService(body);
        assert.deepEqual(owner.service, op.service);
      } else if (op.op === 'add-destination' && owner) {
        assert.deepEqual(decodeDestination(body, owner, AF_INET).destination, op.destination);
      }
    }
    const v6: IpvsOperation = { op: 'add-service', service: { key: { kind: 'tcp', vip: '2001:db8::100', port: 443 }, scheduler: 'wlc', flags: [], persistence: { timeout: 300, netmask: '64' } } };
    assert.deepEqual(decodeService(Buffer.concat(operationRequest(v6).attrs)).service, v6.service);
  });

  it('sends the commands ipvsadm sends: identity only for deletions, a full entry for adds and edits', () => {
    const key = { kind: 'udp' as const, vip: '10.0.0.100', port: 53 };
    const d = { address: '10.0.0.11', port: 53, weight: 2, forwarding: 'nat' as const };
    const del = operationRequest({ op: 'delete-destination', key, destination: d });
    assert.equal(del.cmd, IPVS_CMD.DEL_DEST);
    assert.deepEqual(del.attrs[0], nestedAttr(IPVS_CMD_ATTR.SERVICE, [u16Attr(IPVS_SVC_ATTR.AF, AF_INET), u16Attr(IPVS_SVC_ATTR.PROTOCOL, IPPROTO_UDP), attr(IPVS_SVC_ATTR.ADDR, inetAddr('10.0.0.100')), be16Attr(IPVS_SVC_ATTR.PORT, 53)]));
    assert.deepEqual(del.attrs[1], nestedAttr(IPVS_CMD_ATTR.DEST, [attr(IPVS_DEST_ATTR.ADDR, inetAddr('10.0.0.11')), be16Attr(IPVS_DEST_ATTR.PORT, 53), u16Attr(IPVS_DEST_ATTR.ADDR_FAMILY, AF_INET)]));
    const edit = operationRequest({ op: 'edit-destination', key, destination: d, before: d });
    assert.equal(edit.cmd, IPVS_CMD.SET_DEST);
    // MASQ is 0 in ip_vs.h (IP_VS_CONN_F_MASQ), not 1
    assert.ok(edit.attrs[1].includes(u32Attr(IPVS_DEST_ATTR.FWD_METHOD, 0)));
    assert.equal(operationRequest({ op: 'delete-service', service: { key, scheduler: 'rr', flags: [] } }).attrs.length, 1);
  });

  it('writes every destination as its attributes one by one would: an IPv4 one from a template, over a reused buffer', () => {
    // a fwmark service: every forwarding method keeps the destination's own port (ipvsadm's rule is tested apart)
    const key = { kind: 'fwmark' as const, mark: 7, family: 'inet' as const };
    const address = fc.oneof(
      fc.ipV4(),
      fc.constantFrom('2001:db8::11', '::ffff:10.0.0.1', 'fe80::1'),
    );
    const destination = fc.record({
      address,
      port: fc.integer({ min: 0, max: 65535 }),
      weight: fc.integer({ min: 0, max: 65535 }),
      forwarding: fc.constantFrom('nat' as const, 'dr' as const, 'tun' as const),
    });
    // ip_vs.h IP_VS_CONN_F_MASQ, _TUNNEL, _DROUTE
    const method = { nat: 0, tun: 2, dr: 3 };
    const op = fc.tuple(fc.constantFrom('add-destination' as const, 'edit-destination' as const, 'delete-destination' as const), destination)
      .map(([kind, d]): IpvsOperation => (kind === 'edit-destination' ? { op: kind, key, destination: d, before: d } : { op: kind, key, destination: d }));
    // one writer for every run, as a batch reuses its buffer: a value left from the last must not show
    const w = new NetlinkWriter(64);
    fc.assert(fc.property(fc.array(op, { minLength: 1, maxLength: 4 }), (ops) => {
      w.reset();
      for (const o of ops) writeOperation(w, o);
      const expected = ops.map((o) => {
        const d = (o as { destination: { address: string; port: number; weight: number; forwarding: 'nat' | 'dr' | 'tun' } }).destination;
        const attrs = [attr(IPVS_DEST_ATTR.ADDR, inetAddr(d.address)), be16Attr(IPVS_DEST_ATTR.PORT, d.port), u16Attr(IPVS_DEST_ATTR.ADDR_FAMILY, d.address.includes(':') ? 10 : AF_INET)];
        if (o.op !== 'delete-destination') {
          attrs.push(u32Attr(IPVS_DEST_ATTR.FWD_METHOD, method[d.forwarding]), u32Attr(IPVS_DEST_ATTR.WEIGHT, d.weight), u32Attr(IPVS_DEST_ATTR.U_THRESH, 0), u32Attr(IPVS_DEST_ATTR.L_THRESH, 0));
        }
        return Buffer.concat([operationRequest({ op: 'delete-service', service: { key, scheduler: 'rr', flags: [] } }).attrs[0], nestedAttr(IPVS_CMD_ATTR.DEST, attrs)]);
      });
      assert.deepEqual(Buffer.from(w.written()), Buffer.concat(expected));
    }), { numRuns: 300 });
  });

  it('gives a dr or tun destination of a port service the service\'s port, as ipvsadm -a/-e do; nat and fwmark keep theirs', () => {
    const key = { kind: 'tcp' as const, vip: '10.0.0.100', port: 80 };
    const portOf = (op: IpvsOperation): number => {
      const dest = decodeDestination(Buffer.concat(operationRequest(op).attrs), decodeService(Buffer.concat(operationRequest({ op: 'add-service', service: { key, scheduler: 'rr', flags: [] } }).attrs)), AF_INET);
      return dest.destination.port;
    };
    assert.equal(portOf({ op: 'add-destination', key, destination: { address: '10.0.0.11', port: 8080, weight: 1, forwarding: 'dr' } }), 80);
    assert.equal(portOf({ op: 'edit-destination', key, destination: { address: '10.0.0.11', port: 8080, weight: 1, forwarding: 'tun' }, before: { address: '10.0.0.11', port: 80, weight: 1, forwarding: 'tun' } }), 80);
    assert.equal(portOf({ op: 'add-destination', key, destination: { address: '10.0.0.11', port: 8080, weight: 1, forwarding: 'nat' } }), 8080);
  });

  describe('services the model cannot hold are set aside with the reason the ipvsadm backend gives', () => {
    const service = (extra: Buffer[], protocol = 6, sched = 'rr', flags = 0): DumpedService => decodeService(nestedAttr(IPVS_CMD_ATTR.SERVICE, [
      u16Attr(IPVS_SVC_ATTR.AF, AF_INET), u16Attr(IPVS_SVC_ATTR.PROTOCOL, protocol), attr(IPVS_SVC_ATTR.ADDR, inetAddr('10.0.0.100')),
      be16Attr(IPVS_SVC_ATTR.PORT, 5060), stringAttr(IPVS_SVC_ATTR.SCHED_NAME, sched),
      attr(IPVS_SVC_ATTR.FLAGS, Buffer.concat([u32(flags | SVC_F.HASHED), u32(0xffffffff)])), u32Attr(IPVS_SVC_ATTR.TIMEOUT, 300),
      attr(IPVS_SVC_ATTR.NETMASK, hex('ffffffff')), ...extra,
    ]));
    function u32(v: number): Buffer {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(v >>> 0);
      return b;
    }

    it('SCTP: no key, named --sctp-service', () => {
      const s = service([], IPPROTO_SCTP);
      assert.equal(s.key, undefined);
      assert.equal(s.name, '--sctp-service 10.0.0.100:5060');
      assert.equal(s.reason, 'an SCTP service (--sctp-service 10.0.0.100:5060): lvsctl manages TCP, UDP and fwmark services only');
    });

    it('one-packet scheduling, a persistence engine, an unknown scheduler, a flag the scheduler does not name', () => {
      assert.equal(service([], 17, 'rr', SVC_F.ONEPACKET).reason, 'one-packet scheduling (-o), which lvsctl does not manage');
      const pe = service([stringAttr(IPVS_SVC_ATTR.PE_NAME, 'sip')], 17, 'rr', SVC_F.PERSISTENT);
      assert.equal(pe.reason, 'a persistence engine (--pe sip), which lvsctl does not manage');
      assert.equal(pe.line, '-A -u 10.0.0.100:5060 -s rr -p 300 --pe sip');
      assert.deepEqual(pe.key, { kind: 'udp', vip: '10.0.0.100', port: 5060 });
      assert.match(service([], 6, 'twos').reason ?? '', /^unknown scheduler "twos"/);
      assert.equal(service([], 6, 'sh', SVC_F.SCHED3).reason, 'scheduler flag "flag-3" is not one scheduler sh takes (sh-fallback, sh-port)');
      assert.equal(service([], 6, 'rr', SVC_F.SCHED1).reason, 'scheduler flag "flag-1" is not one scheduler rr takes (it takes none)');
      assert.deepEqual(service([], 6, 'mh', SVC_F.SCHED1).service?.flags, ['mh-fallback']);
    });

    it('a GUE tunnel destination', () => {
      const owner = service([]);
      const gue = decodeDestination(nestedAttr(IPVS_CMD_ATTR.DEST, [
        attr(IPVS_DEST_ATTR.ADDR, inetAddr('10.0.0.11')), be16Attr(IPVS_DEST_ATTR.PORT, 81), u32Attr(IPVS_DEST_ATTR.FWD_METHOD, 2),
        u32Attr(IPVS_DEST_ATTR.WEIGHT, 1), u8Attr(IPVS_DEST_ATTR.TUN_TYPE, 1), be16Attr(IPVS_DEST_ATTR.TUN_PORT, 6080), u16Attr(IPVS_DEST_ATTR.TUN_FLAGS, 0),
        u32Attr(IPVS_DEST_ATTR.ACTIVE_CONNS, 3), u32Attr(IPVS_DEST_ATTR.INACT_CONNS, 4),
      ]), owner, AF_INET);
      assert.equal(gue.reason, 'tunnel type "gue" is not one lvsctl manages (only ipip, ipvsadm\'s -i)');
      // the line ipvsadm -S -n printed for this destination in the lab
      assert.equal(gue.line, '-a -t 10.0.0.100:5060 -r 10.0.0.11:81 -i -w 1 --tun-type gue --tun-port 6080 --tun-nocsum');
      assert.deepEqual([gue.activeConnections, gue.inactiveConnections], [3, 4]);
      // a local destination reads as -g, as ipvsadm -S writes it
      const local = decodeDestination(nestedAttr(IPVS_CMD_ATTR.DEST, [
        attr(IPVS_DEST_ATTR.ADDR, inetAddr('10.0.0.1')), be16Attr(IPVS_DEST_ATTR.PORT, 80), u32Attr(IPVS_DEST_ATTR.FWD_METHOD, 1), u32Attr(IPVS_DEST_ATTR.WEIGHT, 1),
      ]), owner, AF_INET);
      assert.equal(local.destination.forwarding, 'dr');
    });
  });

  it('writes a message in place over a reused buffer\'s old bytes exactly as into a fresh one, growing when it must', () => {
    const key = { kind: 'tcp' as const, vip: '10.0.0.100', port: 80 };
    const v6 = { kind: 'udp' as const, vip: '2001:db8::100', port: 53 };
    const d = { address: '10.0.0.11', port: 8080, weight: 3, forwarding: 'nat' as const };
    const ops: IpvsOperation[] = [
      ...addAll(CONTRACT_TABLE),
      // "rr\0" and a u16 leave padding the old bytes must not show through
      { op: 'edit-service', service: { key, scheduler: 'rr', flags: [], persistence: { timeout: 60, netmask: '255.255.0.0' } }, before: { key, scheduler: 'wlc', flags: [] } },
      { op: 'add-service', service: { key: v6, scheduler: 'sh', flags: ['sh-port'], persistence: { timeout: 300, netmask: '64' } } },
      { op: 'edit-destination', key, destination: d, before: { ...d, weight: 1 } },
      { op: 'delete-destination', key, destination: d },
      { op: 'delete-service', service: { key: v6, scheduler: 'sh', flags: [] } },
    ];
    const message = (w: NetlinkWriter, op: IpvsOperation, seq: number): Buffer => {
      const start = w.beginGenl(0x1c, NLM_F_REQUEST, seq, 1);
      w.endGenl(start, writeOperation(w, op));
      return Buffer.from(w.written().subarray(start));
    };
    const used = new NetlinkWriter(4096);
    const tiny = new NetlinkWriter(8);
    ops.forEach((op, seq) => {
      used.raw(Buffer.alloc(4096, 0xa5));
      used.reset();
      const fresh = message(new NetlinkWriter(4096), op, seq);
      const request = operationRequest(op);
      assert.deepEqual(fresh, genlMessage({ family: 0x1c, cmd: request.cmd, version: 1, flags: NLM_F_REQUEST, seq, attrs: request.attrs }), op.op);
      assert.deepEqual(message(used, op, seq), fresh, `${op.op} over old bytes`);
      tiny.reset();
      assert.deepEqual(message(tiny, op, seq), fresh, `${op.op} in a writer that grew`);
    });
  });

  it('words refusals as libipvs does, per command, and names each refused operation', () => {
    const key = { kind: 'tcp' as const, vip: '10.0.0.100', port: 80 };
    const d = { address: '10.0.0.11', port: 80, weight: 1, forwarding: 'dr' as const };
    assert.equal(ipvsErrnoText('add-service', 17), 'Service already exists');
    assert.equal(ipvsErrnoText('add-service', 2), 'Scheduler or persistence engine not found');
    assert.equal(ipvsErrnoText('edit-destination', 2), 'No such destination');
    assert.equal(ipvsErrnoText('add-destination', 3), 'Service not defined');
    assert.equal(ipvsErrnoText('delete-service', 3), 'No such service');
    assert.equal(ipvsErrnoText('add-destination', 22), 'Invalid operation.  Possibly wrong module version, address not unicast, ...');
    assert.equal(ipvsErrnoText('add-destination', 34), 'ERANGE (errno 34)');
    const refusals = [
      refusalOf(2, { op: 'add-service', service: { key, scheduler: 'rr', flags: [] } }, 17),
      refusalOf(4, { op: 'delete-destination', key, destination: d }, 2),
    ];
    assert.equal(refusals[1].message, 'tcp 10.0.0.100:80 -> 10.0.0.11:80: No such destination');
    assert.equal(new IpvsBatchError(refusals, 9).message,
      'IPVS refused 2 of 9 operation(s): add-service tcp 10.0.0.100:80: Service already exists; delete-destination tcp 10.0.0.100:80 -> 10.0.0.11:80: No such destination');
  });

  it('frames: splits a datagram of several messages, reads an error\'s errno and sequence number', () => {
    const a = genlMessage({ family: 0x1c, cmd: 1, version: 1, flags: NLM_F_REQUEST, seq: 41, attrs: [u32Attr(1, 5)] });
    const err = Buffer.alloc(36);
    err.writeUInt32LE(36, 0);
    err.writeUInt16LE(2, 4);
    err.writeUInt32LE(42, 8);
    err.writeInt32LE(-17, 16);
    a.copy(err, 20, 0, 16);
    err.writeUInt32LE(42, 28);
    const [m1, m2] = splitMessages(Buffer.concat([a, err]));
    assert.deepEqual([m1.type, m1.seq, m2.type, m2.seq], [0x1c, 41, 2, 42]);
    assert.deepEqual(parseError(m2.payload), { errno: 17, seq: 42 });
    assert.throws(() => splitMessages(a.subarray(0, 20)), /says it is 28 bytes long; 20 are left/);
  });
});

describe('an IPv4 address read in place (a batch, the listing\'s service names)', () => {
  it('takes exactly what node\'s isIPv4 takes, as its four numbers in order (what addressBytes then gives)', () => {
    const samples = [
      '0.0.0.0', '10.0.0.1', '255.255.255.255', '192.168.1.254', '1.2.3.4', '10.100.7.233',
      '256.0.0.1', '10.0.0', '10.0.0.1.2', '10.0.0.01', '010.0.0.1', '10..0.1', '.10.0.0.1', '10.0.0.1.', '10.0.0.-1',
      '10.0.0.1 ', ' 10.0.0.1', '', '::1', '2001:db8::1', '::ffff:10.0.0.1', '1e1.0.0.1', '10.0.0.1000', '4294967296',
    ];
    for (const address of samples) {
      const v4 = dottedQuad(address);
      assert.equal(v4 !== undefined, isIPv4(address), address);
      if (v4 === undefined) continue;
      const numbers = address.split('.').map(Number);
      assert.equal(v4, ((numbers[0] * 256 + numbers[1]) * 256 + numbers[2]) * 256 + numbers[3], address);
      assert.deepEqual([...addressBytes(address)], numbers, address);
    }
  });
});

describe('IP addresses as bytes, written as ipvsadm -n writes them', () => {
  it('round-trips IPv4 and IPv6, compressing as inet_ntop does', () => {
    for (const [text, canonical] of [
      ['10.0.0.100', '10.0.0.100'], ['2001:db8::1', '2001:db8::1'], ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], ['::', '::'], ['::1', '::1'],
      ['fe80::', 'fe80::'], ['::ffff:10.0.0.1', '::ffff:10.0.0.1'], ['::10.0.0.1', '::10.0.0.1'], ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ]) assert.equal(formatAddress(addressBytes(text)), canonical, text);
    assert.deepEqual([...addressBytes('2001:db8::11')], [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11]);
    assert.throws(() => addressBytes('10.0.0'), /not an IPv4 or IPv6 address/);
  });
});
