// The fan-out's realservers as separate hosts: what is configured in the fan-out's own
// namespace and what inside each realserver's.
import { strict as assert } from 'node:assert';
import { bridgeLines, bridgePortName, FANOUT_BRIDGE, FANOUT_CONTROLLER_ADDRESS, hostLines } from '../../../bench/fanout-hosts';
import { FANOUT_VIP, fanoutHosts } from '../../../bench/fanout-plan';
import { enterNetns } from '../../../bench/proc';

describe('bench fan-out hosts', () => {
  const hosts = fanoutHosts(2);

  it('puts the controller on a bridge and each host\'s eth0 into the namespace its holder made', () => {
    const lines = bridgeLines(hosts, new Map([['rs001', 4100], ['rs002', 4200]]));
    assert.ok(lines.includes(`addr add ${FANOUT_CONTROLLER_ADDRESS}/24 dev ${FANOUT_BRIDGE}`));
    assert.ok(lines.includes('link add v-rs001 type veth peer name eth0 netns 4100'));
    assert.ok(lines.includes(`link set v-rs002 master ${FANOUT_BRIDGE} up`));
    assert.ok(lines.indexOf(`link add ${FANOUT_BRIDGE} type bridge`) < lines.indexOf(`link set v-rs001 master ${FANOUT_BRIDGE} up`), 'the bridge exists before its ports');
  });

  it('refuses a host without a namespace rather than wiring it into the fan-out\'s own', () => {
    assert.throws(() => bridgeLines(hosts, new Map([['rs001', 4100]])), /no namespace holder for rs002/);
  });

  it('gives each host the VIP on its lo and its own address on its eth0, in the controller\'s /24', () => {
    assert.deepStrictEqual(hostLines(hosts[1]!), ['link set lo up', `addr add ${FANOUT_VIP}/32 dev lo`, 'addr add 10.9.1.2/24 dev eth0', 'link set eth0 up']);
  });

  it('refuses a port name the kernel would not take', () => {
    assert.equal(bridgePortName({ name: 'rs250', address: '10.9.1.250' }), 'v-rs250');
    assert.throws(() => bridgePortName({ name: 'a-very-long-host', address: '10.9.1.9' }), /too long/);
  });

  it('starts an agent in a host\'s namespace by its file (nsenter), a named one by ip netns, else as it is', () => {
    assert.deepStrictEqual(enterNetns('/proc/4100/ns/net', ['node', 'main.js']), ['nsenter', '--net=/proc/4100/ns/net', '--', 'node', 'main.js']);
    assert.deepStrictEqual(enterNetns('web1', ['node', 'main.js']), ['ip', 'netns', 'exec', 'web1', 'node', 'main.js']);
    assert.deepStrictEqual(enterNetns(null, ['node', 'main.js']), ['node', 'main.js']);
  });
});
