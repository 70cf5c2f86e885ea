// The route netlink readers of a realserver (addresses, default routes) against a kernel at
// the byte level: what they ask, what they make of the dumps, one socket a read closed
// whatever happens, the dump bounded in bytes and time, and the choice of reader at start.
import { strict as assert } from 'node:assert';
import { constants } from 'node:os';
import type { AddressChange } from '../../../agent/kernel/addresses';
import { LinuxAddresses } from '../../../agent/kernel/linux/addresses';
import type { RawNetlinkSocket, RawNetlinkSocketFactory } from '../../../agent/kernel/linux/netlink-socket';
import { LinuxRoutes } from '../../../agent/kernel/linux/routes';
import { NetlinkAddresses } from '../../../agent/kernel/linux/rtnetlink-addresses';
import { NetlinkRoutes } from '../../../agent/kernel/linux/rtnetlink-routes';
import { LinuxNeighbours } from '../../../agent/kernel/linux/neighbours';
import { NetlinkNeighbours } from '../../../agent/kernel/linux/rtnetlink-neighbours';
import { LinuxSysctl } from '../../../agent/kernel/linux/sysctl';
import { inspectRealserver } from '../../../agent/realserver/snapshot';
import { createLinuxRealserverKernel } from '../../../agent/realserver/kernel';
import { NLMSG_DONE, NLMSG_ERROR, NLM_F_DUMP, NLM_F_MULTI, NLM_F_REQUEST, attr, nestedAttr, netlinkMessage, splitMessages, stringAttr, u32Attr } from '../../../lvs/formats/netlink-wire';
import { RTM_GETADDR, RTM_GETLINK, RTM_GETNEIGH, RTM_GETROUTE } from '../../../lvs/formats/rtnetlink';
import { ok, recordingExec } from './recording-exec';

const ARPHRD_ETHER = 1;
const ARPHRD_LOOPBACK = 772;

/** struct ifinfomsg then attributes */
function link(index: number, type: number, flags: number, name: string, kind?: string): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt16LE(type, 2);
  h.writeInt32LE(index, 4);
  h.writeUInt32LE(flags, 8);
  return Buffer.concat([h, stringAttr(3, name), ...(kind ? [nestedAttr(18 | 0x8000, [stringAttr(1, kind)])] : [])]);
}

/** struct ifaddrmsg then IFA_ADDRESS (and IFA_LOCAL) */
function address(index: number, family: number, prefixlen: number, bytes: number[], local?: number[]): Buffer {
  const h = Buffer.from([family, prefixlen, 0x80, 0, 0, 0, 0, 0]);
  h.writeUInt32LE(index, 4);
  return Buffer.concat([h, attr(1, Buffer.from(bytes)), ...(local ? [attr(2, Buffer.from(local))] : [])]);
}

/** struct rtmsg then RTA_TABLE, RTA_GATEWAY, RTA_OIF */
function route(family: number, dstLen: number, table: number, gateway?: number[], oif?: number): Buffer {
  const h = Buffer.from([family, dstLen, 0, 0, Math.min(table, 252), 3, 0, 1, 0, 0, 0, 0]);
  return Buffer.concat([h, u32Attr(15, table), ...(gateway ? [attr(5, Buffer.from(gateway))] : []), ...(oif !== undefined ? [u32Attr(4, oif)] : [])]);
}

/** struct ndmsg then NDA_DST */
function neighbour(index: number, flags: number, bytes: number[]): Buffer {
  const h = Buffer.from([10, 0, 0, 0, 0, 0, 0, 0, 0, 0, flags, 0]);
  h.writeInt32LE(index, 4);
  return Buffer.concat([h, attr(1, Buffer.from(bytes))]);
}

/** Answers dumps of links, addresses, routes and proxy neighbours from what it holds, two messages a datagram. */
class FakeRouteKernel {
  links: Buffer[] = [];
  addresses: Buffer[] = [];
  routes: Buffer[] = [];
  neighbours: Buffer[] = [];
  /** a dump of this request type is refused with this errno */
  refuse?: { type: number; errno: number };
  silent = false;
  opened = 0;
  closed = 0;
  readonly requests: Array<{ type: number; family: number; ndmFlags?: number }> = [];

  sockets(): RawNetlinkSocketFactory {
    return () => this.socket();
  }

  private socket(): RawNetlinkSocket {
    const listeners: Array<(d: Buffer) => void> = [];
    let closed = false;
    this.opened += 1;
    return {
      send: async (data) => {
        for (const m of splitMessages(data)) {
          assert.equal(m.flags, NLM_F_REQUEST | NLM_F_DUMP);
          this.requests.push({ type: m.type, family: m.payload.readUInt8(0), ...(m.type === RTM_GETNEIGH ? { ndmFlags: m.payload.readUInt8(10) } : {}) });
          const replies = this.replies(m.type, m.seq);
          setImmediate(() => {
            if (!closed && !this.silent) replies.forEach((r) => listeners.forEach((l) => l(r)));
          });
        }
      },
      onDatagram: (l) => listeners.push(l),
      onError: () => undefined,
      receiveBufferBytes: () => 425_984,
      close: () => {
        if (!closed) this.closed += 1;
        closed = true;
      },
    };
  }

  private replies(type: number, seq: number): Buffer[] {
    if (this.refuse?.type === type) {
      const error = Buffer.alloc(20);
      error.writeInt32LE(-this.refuse.errno, 0);
      return [netlinkMessage(NLMSG_ERROR, 0, seq, error)];
    }
    const held = { [RTM_GETLINK]: this.links, [RTM_GETADDR]: this.addresses, [RTM_GETROUTE]: this.routes, [RTM_GETNEIGH]: this.neighbours }[type] ?? [];
    const messages = held.map((p) => netlinkMessage(type - 2, NLM_F_MULTI, seq, p));
    const out: Buffer[] = [];
    for (let i = 0; i < messages.length; i += 2) out.push(Buffer.concat(messages.slice(i, i + 2)));
    return [...out, netlinkMessage(NLMSG_DONE, NLM_F_MULTI, seq, Buffer.alloc(4))];
  }
}

const LIMITS = { timeoutMs: 2_000, maxDumpBytes: 1 << 20 };
const noWrites = { apply: async () => assert.fail('no change expected'), loadIpipModule: async () => assert.fail('no modprobe expected') };

function realserverHost(): FakeRouteKernel {
  const k = new FakeRouteKernel();
  k.links = [link(1, ARPHRD_LOOPBACK, 0x10049, 'lo'), link(2, 768, 0x80, 'tunl0', 'ipip'), link(3, ARPHRD_ETHER, 0x11043, 'eth0', 'veth')];
  k.addresses = [
    address(1, 2, 8, [127, 0, 0, 1], [127, 0, 0, 1]),
    address(1, 2, 32, [10, 0, 0, 100], [10, 0, 0, 100]),
    address(3, 2, 24, [10, 0, 0, 11], [10, 0, 0, 11]),
    address(1, 10, 128, [0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(11).fill(0), 0x64]),
    address(3, 17, 0, [1, 2, 3]), // another family: not an IP address, left out
  ];
  k.routes = [
    route(2, 0, 254, [10, 0, 0, 1], 3),
    route(2, 24, 254, undefined, 3),
    route(2, 0, 100, [10, 0, 0, 9], 3),
    route(2, 0, 254, [10, 0, 0, 2], 9),
    route(10, 0, 254, [0xfe, 0x80, ...new Array<number>(13).fill(0), 1], 3),
  ];
  k.neighbours = [neighbour(3, 0x08, [0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(11).fill(0), 0x64]), neighbour(0, 0x08, new Array<number>(16).fill(1))];
  return k;
}

describe('route netlink readers', () => {
  it('list the devices with their IPv4 and IPv6 addresses from one link and one address dump, on one socket it closes', async () => {
    const k = realserverHost();
    const interfaces = await new NetlinkAddresses(k.sockets(), noWrites, LIMITS).list();
    assert.deepEqual(interfaces, [
      { name: 'lo', linkType: 'loopback', up: true, addresses: [
        { family: 'inet', local: '127.0.0.1', prefixlen: 8 },
        { family: 'inet', local: '10.0.0.100', prefixlen: 32 },
        { family: 'inet6', local: '2001:db8::64', prefixlen: 128 },
      ] },
      { name: 'tunl0', linkType: 'ipip', kind: 'ipip', up: false, addresses: [] },
      { name: 'eth0', linkType: 'ether', kind: 'veth', up: true, addresses: [{ family: 'inet', local: '10.0.0.11', prefixlen: 24 }] },
    ]);
    assert.deepEqual(k.requests, [{ type: RTM_GETLINK, family: 0 }, { type: RTM_GETADDR, family: 0 }]);
    assert.deepEqual([k.opened, k.closed], [1, 1]);
  });

  it('give the main table\'s default routes of a family, devices by name (an unknown index as ip names it)', async () => {
    const k = realserverHost();
    const routes = new NetlinkRoutes(k.sockets(), LIMITS);
    assert.deepEqual(await routes.defaultRoutes('inet'), [{ gateway: '10.0.0.1', device: 'eth0', route: 0 }, { gateway: '10.0.0.2', device: 'if9', route: 1 }]);
    assert.deepEqual(k.requests, [{ type: RTM_GETROUTE, family: 2 }, { type: RTM_GETLINK, family: 0 }]);
    // the fake answers every family alike; the reader keeps the one it asked for
    assert.deepEqual(await routes.defaultRoutes('inet6'), [{ gateway: 'fe80::1', device: 'eth0', route: 0 }]);
    assert.equal(k.requests[2].family, 10);
    assert.deepEqual([k.opened, k.closed], [2, 2]);
  });

  it('read no links when no default route names a device', async () => {
    const k = new FakeRouteKernel();
    k.routes = [route(2, 8, 254, [10, 0, 0, 1], 3)];
    assert.deepEqual(await new NetlinkRoutes(k.sockets(), LIMITS).defaultRoutes('inet'), []);
    assert.deepEqual(k.requests.map((r) => r.type), [RTM_GETROUTE]);
  });

  it('give the IPv6 proxy neighbours on a device, asking the kernel for its proxy table', async () => {
    const k = realserverHost();
    assert.deepEqual(await new NetlinkNeighbours(k.sockets(), LIMITS).ipv6Proxies(), [{ address: '2001:db8::64', device: 'eth0' }]);
    assert.deepEqual(k.requests, [{ type: RTM_GETNEIGH, family: 10, ndmFlags: 0x08 }, { type: RTM_GETLINK, family: 0 }]);
    assert.deepEqual([k.opened, k.closed], [1, 1]);
  });

  it('let a realserver read all it checks (DR and NAT, IPv4 and IPv6 VIPs) without starting a process', async () => {
    const { exec, calls } = recordingExec(() => ok('[]'));
    const kernel = createLinuxRealserverKernel({ exec, loadSockets: () => realserverHost().sockets() });
    const snapshot = await inspectRealserver(kernel, {
      role: 'realserver', cluster: 'shop', host: 'web1', generation: 1, address: '10.0.0.11', prepare: false,
      duties: [
        { service: 'web', forwarding: 'dr', vips: ['10.0.0.100', '2001:db8::64'], directors: ['10.0.0.1'] },
        { service: 'nat', forwarding: 'nat', vips: ['10.0.0.101'], directors: ['10.0.0.1'] },
        { service: 'nat6', forwarding: 'nat', vips: ['2001:db8::65'], directors: ['fe80::1'] },
      ],
    });
    assert.equal(calls.length, 0, `processes started: ${calls.map((c) => [c.file, ...c.args].join(' ')).join('; ')}`);
    assert.ok(kernel.sysctl instanceof LinuxSysctl);
    assert.equal(snapshot.interfaces.length, 3);
    assert.equal(snapshot.defaultRoutes.length, 3);
    assert.deepEqual(snapshot.proxyNeighbours, [{ address: '2001:db8::64', device: 'eth0' }]);
  });

  it('abandon a dump past its byte limit, saying so, and close the socket', async () => {
    const k = realserverHost();
    await assert.rejects(new NetlinkAddresses(k.sockets(), noWrites, { timeoutMs: 2_000, maxDumpBytes: 64 }).list(),
      /^Error: reading the links \(RTM_GETLINK dump\): the kernel's reply passed 64 bytes; the read was abandoned/);
    assert.deepEqual([k.opened, k.closed], [1, 1]);
  });

  it('say which dump the kernel refused and why, and close the socket', async () => {
    const k = realserverHost();
    k.refuse = { type: RTM_GETADDR, errno: constants.errno.EPERM };
    await assert.rejects(new NetlinkAddresses(k.sockets(), noWrites, LIMITS).list(), /^NetlinkError: reading the addresses \(RTM_GETADDR dump\): EPERM \(errno 1\)$/);
    assert.deepEqual([k.opened, k.closed], [1, 1]);
  });

  it('give up on a kernel that does not answer, in time, and close the socket', async () => {
    const k = realserverHost();
    k.silent = true;
    await assert.rejects(new NetlinkRoutes(k.sockets(), { timeoutMs: 50, maxDumpBytes: 1 << 20 }).defaultRoutes('inet'),
      /reading the inet routes \(RTM_GETROUTE dump\): no answer from the kernel within 50 ms/);
    assert.deepEqual([k.opened, k.closed], [1, 1]);
  });

  it('leave changes to ip -batch and modprobe', async () => {
    const { exec, calls } = recordingExec(() => ok());
    const addresses = new NetlinkAddresses(new FakeRouteKernel().sockets(), new LinuxAddresses(exec), LIMITS);
    const change: AddressChange = { op: 'add-address', device: 'lo', address: '10.0.0.100', prefixlen: 32 };
    await addresses.apply([change]);
    await addresses.loadIpipModule();
    assert.deepEqual(calls.map((c) => [c.file, ...c.args]), [['ip', '-batch', '-'], ['modprobe', 'ipip']]);
  });
});

describe('the realserver kernel\'s readers', () => {
  const logged = () => {
    const lines: string[] = [];
    return { lines, log: { info: (m: string) => lines.push(`info ${m}`), warn: (m: string, meta?: object) => lines.push(`warn ${m} ${JSON.stringify(meta)}`) } };
  };

  it('read over route netlink when the package loads, and say so once', () => {
    const { lines, log } = logged();
    const kernel = createLinuxRealserverKernel({ loadSockets: () => new FakeRouteKernel().sockets(), log });
    assert.ok(kernel.addresses instanceof NetlinkAddresses);
    assert.ok(kernel.routes instanceof NetlinkRoutes);
    assert.ok(kernel.neighbours instanceof NetlinkNeighbours);
    assert.deepEqual(lines, ['info realserver reads addresses, routes and neighbours over route netlink']);
  });

  it('fall back to ip -j when it does not, saying why once', async () => {
    const { lines, log } = logged();
    const { exec, calls } = recordingExec(() => ok('[]'));
    const kernel = createLinuxRealserverKernel({ exec, loadSockets: () => new Error('the netlink package does not load: no prebuild'), log });
    assert.ok(kernel.addresses instanceof LinuxAddresses);
    assert.ok(kernel.routes instanceof LinuxRoutes);
    assert.ok(kernel.neighbours instanceof LinuxNeighbours);
    await kernel.addresses.list();
    await kernel.routes.defaultRoutes('inet');
    assert.deepEqual(calls.map((c) => [c.file, ...c.args]), [['ip', '-j', '-d', 'addr', 'show'], ['ip', '-j', '-4', 'route', 'show', 'default']]);
    assert.deepEqual(lines, ['warn realserver reads addresses, routes and neighbours with ip -j: route netlink is not usable here {"why":"the netlink package does not load: no prebuild"}']);
  });
});
