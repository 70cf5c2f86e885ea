// The route netlink readers of a realserver against the `ip -j` readers, on a real kernel, in a
// network namespace the suite makes (unshare --net, as root): VIPs on lo (/32, /128), a tun
// device (no link layer, point-to-point), a tap, a bridge, a dummy, a veth pair, tunl0 and an
// ip6tnl device where the kernel has them, IPv4 and IPv6 default routes (one multipath, one in
// another table), IPv6 proxy neighbour entries, read both over netlink (in a child process
// entered into the namespace: a netlink socket belongs to its opener's namespace) and with
// `ip -j`: the two must agree exactly. The host suite runs it where device kinds may be
// missing (said loudly); the lab, whose kernel has them all, requires every one.
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import type { NetworkInterface } from '../../../agent/kernel/addresses';
import { LinuxAddresses } from '../../../agent/kernel/linux/addresses';
import { LinuxNeighbours } from '../../../agent/kernel/linux/neighbours';
import type { ProxyNeighbour } from '../../../agent/kernel/neighbours';
import { LinuxRoutes } from '../../../agent/kernel/linux/routes';
import type { DefaultRoute } from '../../../agent/kernel/routes';
import { errorMessage } from '../../../lvs/errors';
import { openThrowawayNetns, type ThrowawayNetns } from './throwaway-netns';

interface Reading {
  interfaces: NetworkInterface[];
  inet: DefaultRoute[];
  inet6: DefaultRoute[];
  proxies: ProxyNeighbour[];
}


/** The namespace's devices and routes: what every kernel can make, then the kinds some lack. */
const SETUP: string[][] = [
  ['link', 'set', 'lo', 'up'],
  ['addr', 'add', '10.0.0.100/32', 'dev', 'lo'],
  ['addr', 'add', '2001:db8::100/128', 'dev', 'lo'],
  ['tuntap', 'add', 'tun0', 'mode', 'tun'],
  ['link', 'set', 'tun0', 'up'],
  ['addr', 'add', '10.3.0.1', 'peer', '10.3.0.2/32', 'dev', 'tun0'],
  ['tuntap', 'add', 'tap0', 'mode', 'tap'],
  ['link', 'set', 'tap0', 'up'],
  ['addr', 'add', '10.2.0.2/24', 'dev', 'tap0'],
  ['-6', 'addr', 'add', '2001:db8:2::2/64', 'dev', 'tap0', 'nodad'],
  ['link', 'add', 'br0', 'type', 'bridge'],
  ['link', 'set', 'br0', 'up'],
  ['addr', 'add', '10.1.0.2/24', 'dev', 'br0'],
  ['-6', 'addr', 'add', '2001:db8:1::2/64', 'dev', 'br0', 'nodad'],
  ['route', 'add', 'default', 'via', '10.1.0.1', 'dev', 'br0'],
  ['route', 'add', 'default', 'via', '10.2.0.9', 'dev', 'tap0', 'table', '100'],
  ['-6', 'neigh', 'add', 'proxy', '2001:db8:1::100', 'dev', 'br0'],
  ['-6', 'neigh', 'add', 'proxy', '2001:db8:2::100', 'dev', 'tap0'],
  ['-6', 'route', 'add', 'default', 'nexthop', 'via', '2001:db8:1::1', 'dev', 'br0', 'nexthop', 'via', '2001:db8:2::1', 'dev', 'tap0'],
];

/** Device kinds a realserver uses that a kernel may lack (modules): each is tried, and what failed is said. */
const OPTIONAL: Array<{ what: string; module?: string; commands: string[][] }> = [
  { what: 'a dummy device (lvs0) holding a VIP', commands: [['link', 'add', 'lvs0', 'type', 'dummy'], ['link', 'set', 'lvs0', 'up'], ['addr', 'add', '10.0.0.101/32', 'dev', 'lvs0']] },
  { what: 'a veth pair (eth0, peer0)', commands: [['link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'peer0'], ['link', 'set', 'eth0', 'up'], ['addr', 'add', '10.4.0.2/24', 'dev', 'eth0']] },
  { what: 'tunl0 (modprobe ipip)', module: 'ipip', commands: [['link', 'set', 'tunl0', 'up'], ['addr', 'add', '10.0.0.102/32', 'dev', 'tunl0']] },
  { what: 'an ip6tnl device', commands: [['link', 'add', 'ip6t0', 'type', 'ip6tnl', 'local', '2001:db8:1::2', 'remote', '2001:db8:1::9']] },
];

export interface ComparisonOptions {
  /** the suite's title */
  title: string;
  /** a device kind this kernel cannot make fails the suite (the lab's kernel has them all) */
  everyKind: boolean;
  /** a missing namespace fails the suite rather than skipping it loudly (CI, the lab) */
  namespaceRequired: boolean;
}

/**
 * The route netlink readers against the ip -j readers in a namespace of their own, on
 * whatever kernel runs the suite: the host's (test/integration) or the lab's (test/lab).
 */
export function describeRouteNetlinkComparison(options: ComparisonOptions): void {
describe(options.title, function () {
  this.timeout(60_000);
  let netns: ThrowawayNetns;
  const missing: string[] = [];

  before(async function () {
    const opening = await openThrowawayNetns();
    if (!opening.ok) {
      const message = `the route netlink reader tests need a network namespace of their own (unshare --net, as root): ${opening.why}`;
      if (options.namespaceRequired) throw new Error(`${message} (a missing capability is a failure here)`);
      console.warn(`\n  *** SKIPPED: ${message}\n  *** run as root to run them\n`);
      this.skip();
    }
    netns = opening.netns;
    for (const args of SETUP) await netns.exec('ip', args);
    for (const o of OPTIONAL) {
      try {
        // loaded already (the lab loads its modules from its own tree) or built in: modprobe may fail
        if (o.module) await netns.exec('modprobe', [o.module]).catch(() => undefined);
        for (const args of o.commands) await netns.exec('ip', args);
      } catch (error) {
        missing.push(`${o.what}: ${errorMessage(error).split('\n')[0]}`);
      }
    }
    if (missing.length > 0 && options.everyKind) throw new Error(`this kernel cannot make: ${missing.join('; ')}`);
    if (missing.length > 0) {
      console.warn(`\n  *** NOT COVERED by the route netlink comparison, this kernel cannot make them:\n${missing.map((m) => `  ***   ${m}`).join('\n')}\n`);
    }
  });

  after(() => netns?.close());

  it('read the same devices, addresses, default routes and proxy neighbours as the ip -j readers, without a process', async () => {
    const child = join(__dirname, 'rtnetlink-read.js');
    const { stdout } = await netns.exec(process.execPath, [child]);
    const netlink = JSON.parse(stdout) as Reading;
    const ip: Reading = {
      interfaces: await new LinuxAddresses(netns.exec).list(),
      inet: await new LinuxRoutes(netns.exec).defaultRoutes('inet'),
      inet6: await new LinuxRoutes(netns.exec).defaultRoutes('inet6'),
      proxies: await new LinuxNeighbours(netns.exec).ipv6Proxies(),
    };
    assert.deepEqual(netlink, ip);
    // and it is what the namespace holds, not two empty answers agreeing
    const byName = new Map(netlink.interfaces.map((i) => [i.name, i]));
    const lo = byName.get('lo');
    assert.equal(lo?.linkType, 'loopback');
    assert.ok(lo?.up);
    assert.ok(lo?.addresses.some((a) => a.family === 'inet' && a.local === '10.0.0.100' && a.prefixlen === 32));
    assert.ok(lo?.addresses.some((a) => a.family === 'inet6' && a.local === '2001:db8::100' && a.prefixlen === 128));
    assert.deepEqual([byName.get('tun0')?.linkType, byName.get('tun0')?.kind, byName.get('tun0')?.addresses], ['none', 'tun', [{ family: 'inet', local: '10.3.0.1', prefixlen: 32 }]]);
    assert.deepEqual([byName.get('br0')?.linkType, byName.get('br0')?.kind], ['ether', 'bridge']);
    assert.deepEqual(netlink.inet, [{ gateway: '10.1.0.1', device: 'br0', route: 0 }]);
    // one multipath route (IPv6's default metric, 1024): both hops share it
    assert.deepEqual(netlink.inet6, [{ gateway: '2001:db8:1::1', device: 'br0', metric: 1024, route: 0 }, { gateway: '2001:db8:2::1', device: 'tap0', metric: 1024, route: 0 }]);
    assert.deepEqual(new Set(netlink.proxies.map((p) => `${p.address} ${p.device}`)), new Set(['2001:db8:1::100 br0', '2001:db8:2::100 tap0']));
    if (byName.has('lvs0')) assert.equal(byName.get('lvs0')?.kind, 'dummy');
    if (byName.has('eth0')) assert.equal(byName.get('eth0')?.kind, 'veth');
    if (byName.has('tunl0')) assert.deepEqual([byName.get('tunl0')?.linkType, byName.get('tunl0')?.kind], ['ipip', 'ipip']);
    if (byName.has('ip6t0')) assert.deepEqual([byName.get('ip6t0')?.linkType, byName.get('ip6t0')?.kind], ['tunnel6', 'ip6tnl']);
  });
});
}
