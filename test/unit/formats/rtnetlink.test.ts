// The route netlink codec without a kernel: the dump requests and the kernel's replies written
// out by hand from its struct layouts (<linux/netlink.h>, <linux/rtnetlink.h>,
// <linux/if_link.h>, <linux/if_addr.h>), decoded as `ip -j` would print them.
import { strict as assert } from 'node:assert';
import { NetlinkFormatError, splitMessages } from '../../../lvs/formats/netlink-wire';
import {
  AF_INET, AF_INET6, RTM_NEWADDR, RTM_NEWLINK, RTM_NEWNEIGH, RTM_NEWROUTE, addressDumpRequest, decodeAddress, decodeLink,
  decodeNeighbour, decodeRoute, isMainDefaultRoute, linkDumpRequest, proxyNeighbourDumpRequest, routeDumpRequest,
} from '../../../lvs/formats/rtnetlink';
import { linkTypeName } from '../../../lvs/formats/rtnetlink-link-types';

const hex = (text: string): Buffer => Buffer.from(text.replace(/#[^\n]*/g, '').replace(/\s+/g, ''), 'hex');

/** One datagram of a dump as the kernel sends it: several messages, each 4-byte aligned. */
const LINKS = hex(`
  38000000 1000 0200 05000000 00000000   # nlmsghdr: 56 bytes, RTM_NEWLINK, NLM_F_MULTI, seq 5
  00 00 0403 01000000 49000100 00000000  # ifinfomsg: AF_UNSPEC, ARPHRD_LOOPBACK (772), index 1, UP|LOOPBACK|RUNNING|LOWER_UP
  0700 0300 6c6f00 00                    # IFLA_IFNAME "lo"
  0800 0400 00000100                     # IFLA_MTU 65536 (not read)
  0800 0d00 e8030000                     # IFLA_TXQLEN 1000 (not read)
  50000000 1000 0200 05000000 00000000   # RTM_NEWLINK, 80 bytes
  00 00 0003 02000000 80000000 00000000  # ARPHRD_TUNNEL (768), index 2, NOARP only: down
  0a00 0300 74756e6c3000 0000            # IFLA_IFNAME "tunl0"
  1c00 1280                              # IFLA_LINKINFO, NLA_F_NESTED, 28 bytes
    0900 0100 6970697000 000000          #   IFLA_INFO_KIND "ipip"
    0c00 0200 0800 0100 00000000         #   IFLA_INFO_DATA (not read)
  0800 0400 dc050000                     # IFLA_MTU 1500
  34000000 1000 0200 05000000 00000000   # RTM_NEWLINK, 52 bytes
  00 00 feff 03000000 91100100 00000000  # ARPHRD_NONE (0xfffe), index 3, UP|POINTOPOINT|NOARP|...
  0700 0300 743000 00                    # IFLA_IFNAME "t0"
  0c00 1200 0800 0100 74756e00           # IFLA_LINKINFO (not marked nested) holding IFLA_INFO_KIND "tun"
`);

describe('route netlink codec', () => {
  it('asks for link, address and route dumps as the kernel lays the requests out, byte for byte', () => {
    assert.deepEqual(linkDumpRequest(5), hex(`
      20000000 1200 0103 05000000 00000000   # 32 bytes, RTM_GETLINK, NLM_F_REQUEST|NLM_F_DUMP, seq 5, pid 0
      00 00 0000 00000000 00000000 00000000  # ifinfomsg: AF_UNSPEC, the rest zero
    `));
    assert.deepEqual(addressDumpRequest(6), hex(`
      18000000 1600 0103 06000000 00000000   # 24 bytes, RTM_GETADDR
      00 00 00 00 00000000                   # ifaddrmsg: AF_UNSPEC (every family)
    `));
    assert.deepEqual(routeDumpRequest(AF_INET6, 9), hex(`
      1c000000 1a00 0103 09000000 00000000   # 28 bytes, RTM_GETROUTE
      0a 00 00 00 00 00 00 00 00000000       # rtmsg: AF_INET6, the rest zero
    `));
    assert.deepEqual(proxyNeighbourDumpRequest(10), hex(`
      1c000000 1e00 0103 0a000000 00000000   # 28 bytes, RTM_GETNEIGH
      0a 00 0000 00000000 0000 08 00         # ndmsg: AF_INET6, ndm_flags NTF_PROXY: the proxy table
    `));
  });

  it('reads IPv6 proxy neighbour entries', () => {
    const [m] = splitMessages(hex(`
      30000000 1c00 0200 0a000000 00000000   # RTM_NEWNEIGH, 48 bytes
      0a 00 0000 03000000 0000 08 00         # ndmsg: AF_INET6, index 3, state 0, NTF_PROXY
      1400 0100 20010db8000100000000000000000100  # NDA_DST 2001:db8:1::100
    `));
    assert.equal(m.type, RTM_NEWNEIGH);
    assert.deepEqual(decodeNeighbour(m.payload), { family: AF_INET6, index: 3, flags: 0x08, address: '2001:db8:1::100' });
  });

  it('reads links: name, the link type as ip names it, the UP flag and the driver kind', () => {
    const messages = splitMessages(LINKS);
    assert.deepEqual(messages.map((m) => m.type), [RTM_NEWLINK, RTM_NEWLINK, RTM_NEWLINK]);
    assert.deepEqual(messages.map((m) => decodeLink(m.payload)), [
      { index: 1, name: 'lo', linkType: 'loopback', flags: 0x10049 },
      { index: 2, name: 'tunl0', linkType: 'ipip', flags: 0x80, kind: 'ipip' },
      { index: 3, name: 't0', linkType: 'none', flags: 0x11091, kind: 'tun' },
    ]);
  });

  it('names link types as iproute2 does, an unknown one by its number', () => {
    assert.deepEqual([1, 772, 768, 769, 776, 778, 823, 0xfffe, 0xffff, 65].map(linkTypeName),
      ['ether', 'loopback', 'ipip', 'tunnel6', 'sit', 'gre', 'gre6', 'none', 'void', '[65]']);
  });

  it('reads addresses: IFA_LOCAL before IFA_ADDRESS (a point-to-point peer), IPv6 from IFA_ADDRESS alone', () => {
    const datagram = hex(`
      38000000 1400 0200 06000000 00000000   # RTM_NEWADDR, 56 bytes
      02 20 80 00 01000000                   # ifaddrmsg: AF_INET, /32, IFA_F_PERMANENT, scope global, index 1
      0800 0100 0a000064                     # IFA_ADDRESS 10.0.0.100
      0800 0200 0a000064                     # IFA_LOCAL 10.0.0.100
      0700 0300 6c6f00 00                    # IFA_LABEL "lo"
      0800 0800 80000000                     # IFA_FLAGS (not read)
      30000000 1400 0200 06000000 00000000   # RTM_NEWADDR, 48 bytes
      02 20 80 00 03000000                   # AF_INET /32 on index 3, a point-to-point link
      0800 0100 0a030002                     # IFA_ADDRESS: the peer, 10.3.0.2
      0800 0200 0a030001                     # IFA_LOCAL: ours, 10.3.0.1
      0700 0300 743000 00                    # IFA_LABEL "t0"
      2c000000 1400 0200 06000000 00000000   # RTM_NEWADDR, 44 bytes
      0a 80 80 00 01000000                   # AF_INET6, /128, index 1
      1400 0100 20010db8000000000000000000000100  # IFA_ADDRESS 2001:db8::100
    `);
    const messages = splitMessages(datagram);
    assert.ok(messages.every((m) => m.type === RTM_NEWADDR));
    assert.deepEqual(messages.map((m) => decodeAddress(m.payload)), [
      { index: 1, family: AF_INET, prefixlen: 32, local: '10.0.0.100' },
      { index: 3, family: AF_INET, prefixlen: 32, local: '10.3.0.1' },
      { index: 1, family: AF_INET6, prefixlen: 128, local: '2001:db8::100' },
    ]);
  });

  it('reads routes: the table (RTA_TABLE over rtm_table), gateway, device, metric, multipath hops, clones', () => {
    const datagram = hex(`
      34000000 1800 0200 07000000 00000000   # RTM_NEWROUTE, 52 bytes
      02 00 00 00 fe 03 00 01 00000000       # rtmsg: AF_INET, dst_len 0, table main, proto boot, scope universe, unicast
      0800 0f00 fe000000                     # RTA_TABLE 254
      0800 0500 0a000001                     # RTA_GATEWAY 10.0.0.1
      0800 0400 02000000                     # RTA_OIF 2
      50000000 1800 0200 07000000 00000000   # RTM_NEWROUTE, 80 bytes
      02 00 00 00 fe 03 00 01 00000000       # AF_INET default, main
      0800 0f00 fe000000                     # RTA_TABLE 254
      0800 0600 a00f0000                     # RTA_PRIORITY 4000: the route's metric
      2400 0900                              # RTA_MULTIPATH, 36 bytes: two struct rtnexthop
        1000 00 00 03000000                  #   len 16, flags 0, hops 0, ifindex 3
        0800 0500 0a010001                   #   RTA_GATEWAY 10.1.0.1
        1000 01 00 04000000                  #   len 16, RTNH_F_DEAD, ifindex 4
        0800 0500 0a020001                   #   RTA_GATEWAY 10.2.0.1
      2c000000 1800 0200 07000000 00000000   # RTM_NEWROUTE, 44 bytes
      02 00 00 00 64 03 00 01 00000000       # a default route of table 100
      0800 0f00 64000000                     # RTA_TABLE 100
      0800 0500 0a000009                     # RTA_GATEWAY 10.0.0.9
      2c000000 1800 0200 07000000 00000000   # RTM_NEWROUTE, 44 bytes
      0a 00 00 00 fc 03 00 01 00020000       # AF_INET6 default of table main (252 + RTA_TABLE), RTM_F_CLONED
      0800 0f00 fe000000                     # RTA_TABLE 254
      0800 0400 02000000                     # RTA_OIF 2
      44000000 1800 0200 07000000 00000000   # RTM_NEWROUTE, 68 bytes
      0a 30 00 00 fe 02 00 01 00000000       # AF_INET6 2001:db8::/48, main
      1400 0100 20010db8000000000000000000000000  # RTA_DST
      1400 0500 fe800000000000000000000000000001  # RTA_GATEWAY fe80::1
    `);
    const routes = splitMessages(datagram).map((m) => {
      assert.equal(m.type, RTM_NEWROUTE);
      return decodeRoute(m.payload);
    });
    assert.deepEqual(routes, [
      { family: AF_INET, dstLen: 0, table: 254, cloned: false, gateway: '10.0.0.1', oif: 2, nexthops: [] },
      { family: AF_INET, dstLen: 0, table: 254, cloned: false, priority: 4000, nexthops: [{ gateway: '10.1.0.1', oif: 3 }, { gateway: '10.2.0.1', oif: 4 }] },
      { family: AF_INET, dstLen: 0, table: 100, cloned: false, gateway: '10.0.0.9', nexthops: [] },
      { family: AF_INET6, dstLen: 0, table: 254, cloned: true, oif: 2, nexthops: [] },
      { family: AF_INET6, dstLen: 48, table: 254, cloned: false, gateway: 'fe80::1', nexthops: [] },
    ]);
    assert.deepEqual(routes.map(isMainDefaultRoute), [true, true, false, false, false]);
  });

  it('refuses bytes that are not what the kernel writes, saying what is wrong', () => {
    assert.throws(() => decodeLink(hex('00 00 0403 01000000')), (e: Error) => e instanceof NetlinkFormatError && /a link message of 8 bytes \(its header alone is 16\)/.test(e.message));
    assert.throws(() => decodeLink(hex('00 00 0403 07000000 01000000 00000000')), /the link with index 7 has no name/);
    assert.throws(() => decodeAddress(hex('02 20 00 00 01000000 0800 0200 0a0000')), /attribute at byte 0 says it is 8 bytes long; 7 are left/);
    assert.throws(() => decodeAddress(hex('0a 80 00 00 01000000 0800 0100 0a000001')), /an address of family 10 has 4 bytes, not 16/);
    assert.throws(() => decodeRoute(hex('02 00 00 00 fe 03 00 01 00000000 0c00 0900 2000 00 00 03000000')), /a multipath hop at byte 0 says it is 32 bytes long; 8 are left/);
  });
});
