// The route netlink comparison (test/integration/support/rtnetlink-comparison.ts) on the lab's
// kernel, which can make every device kind a realserver uses (dummy, tunl0, ip6tnl): the host
// kernel here cannot, so this is where those kinds are compared.
import { describeRouteNetlinkComparison } from '../integration/support/rtnetlink-comparison';
import { existsSync, mkdirSync } from 'node:fs';
import { requireLabGuest } from './support/lab-guard';
import { loadModule } from './support/kernel-state';
import { run } from './support/netns';

describe('route netlink readers on the lab kernel', () => {
  before(async () => {
    requireLabGuest();
    // the guest's kernel loads no module by itself (its modules are not under /lib/modules):
    // tun and its device node, dummy, ipip and ip6tnl are loaded here
    for (const module of ['tun', 'dummy', 'ipip', 'ip6_tunnel']) await loadModule(module);
    if (!existsSync('/dev/net/tun')) {
      mkdirSync('/dev/net', { recursive: true });
      await run('mknod', ['/dev/net/tun', 'c', '10', '200']);
    }
  });
  describeRouteNetlinkComparison({
    title: 'every device kind a realserver uses, read over route netlink and by ip -j alike',
    everyKind: true,
    namespaceRequired: true,
  });
});
