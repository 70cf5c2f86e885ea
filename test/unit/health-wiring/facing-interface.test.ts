// The realserver's facing interface (where the directors send to) is found however the plan
// spells its IPv6 address: the kernel writes 2001:db8::11, a plan may say 2001:DB8:0::11.
import { strict as assert } from 'node:assert';
import type { NetworkInterface } from '../../../agent/kernel/addresses';
import { facingInterface } from '../../../agent/realserver/snapshot';

const interfaces: NetworkInterface[] = [
  { name: 'lo', linkType: 'loopback', up: true, addresses: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8 }] },
  { name: 'eth0', linkType: 'ether', up: true, addresses: [{ family: 'inet6', local: '2001:db8::11', prefixlen: 64 }, { family: 'inet', local: '10.0.0.11', prefixlen: 24 }] },
];

describe('the realserver\'s facing interface', () => {
  it('is the one holding the plan address, in any spelling', () => {
    assert.equal(facingInterface(interfaces, '2001:DB8:0::11')?.name, 'eth0');
    assert.equal(facingInterface(interfaces, '10.0.0.11')?.name, 'eth0');
    assert.equal(facingInterface(interfaces, '2001:db8::12'), undefined);
  });
});
