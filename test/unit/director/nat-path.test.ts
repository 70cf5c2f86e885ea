// The LVS-NAT path check: forwarding off, or ICMP redirects on a one-armed director (a NAT
// realserver's network and a VIP on one interface), each a notice naming the fix; nothing for
// a two-armed director or LVS-DR; read again only when an apply changes something.
import { strict as assert } from 'node:assert';
import type { NetworkInterface } from '../../../agent/kernel/addresses';
import { natPathKeys, natPathNotices, natPathNoticesOf, oneArmedInterfaces, planHasNat, type NatPathReader } from '../../../agent/director/nat-path';
import { NatPathAhead } from '../../../agent/director/nat-path-ahead';
import { dest, directorPlan, fwmark, markRule, service, table, tcp, VIP } from './builders';
import { directorRig, notices } from './rig';

const natPlan = (weight = 1) => directorPlan(table([service(tcp(80)), [dest('192.168.10.11', { forwarding: 'nat', weight }), dest('192.168.10.12', { forwarding: 'nat' })]]));

function eth(name: string, ...addresses: Array<[string, number]>): NetworkInterface {
  return { name, linkType: 'ether', up: true, addresses: addresses.map(([local, prefixlen]) => ({ family: 'inet', local, prefixlen })) };
}

/** The lab's director: agent address, inside address and VIP all on eth0. */
const oneArmed = [eth('lo', ['127.0.0.1', 8]), eth('eth0', ['10.0.0.1', 24], ['192.168.10.1', 24], [VIP, 24])];
/** Outside eth1 with the VIP, inside eth0 with the realservers' network. */
const twoArmed = [eth('eth1', ['10.0.0.1', 24], [VIP, 32]), eth('eth0', ['192.168.10.1', 24])];

const sysctls = (values: Record<string, string>) => new Map(Object.entries(values));

describe('LVS-NAT path check (director)', () => {
  it('names the interface where the VIP and a NAT realserver meet, and turns off what sends redirects there', () => {
    const armed = oneArmedInterfaces(natPlan(), oneArmed);
    assert.deepEqual(armed, [{ device: 'eth0', vip: VIP, realserver: '192.168.10.11' }]);
    // read for every interface with an IPv4 address, before the plan is known
    assert.deepEqual(natPathKeys(oneArmed), ['net.ipv4.ip_forward', 'net.ipv4.conf.all.send_redirects', 'net.ipv4.conf.lo.send_redirects', 'net.ipv4.conf.eth0.send_redirects', 'net.ipv6.conf.all.forwarding']);
    const [notice, ...rest] = natPathNotices(armed, sysctls({
      'net.ipv4.ip_forward': '1', 'net.ipv4.conf.all.send_redirects': '1', 'net.ipv4.conf.eth0.send_redirects': '1',
    }));
    assert.deepEqual(rest, []);
    assert.match(notice, /^eth0 holds VIP 10\.0\.0\.100 and reaches LVS-NAT realserver 192\.168\.10\.11 on its own network, and sends ICMP redirects/);
    assert.match(notice, /answers it un-NATed/);
    assert.match(notice, /fix: sysctl -w net\.ipv4\.conf\.all\.send_redirects=0 net\.ipv4\.conf\.eth0\.send_redirects=0$/);
  });

  it('still finds redirects sent when only the device says so (all=0, eth0=1), and asks only that one off', () => {
    const armed = oneArmedInterfaces(natPlan(), oneArmed);
    const [notice] = natPathNotices(armed, sysctls({
      'net.ipv4.ip_forward': '1', 'net.ipv4.conf.all.send_redirects': '0', 'net.ipv4.conf.eth0.send_redirects': '1',
    }));
    assert.match(notice, /fix: sysctl -w net\.ipv4\.conf\.eth0\.send_redirects=0$/);
  });

  it('says nothing with redirects off and forwarding on', () => {
    const armed = oneArmedInterfaces(natPlan(), oneArmed);
    assert.deepEqual(natPathNotices(armed, sysctls({
      'net.ipv4.ip_forward': '1', 'net.ipv4.conf.all.send_redirects': '0', 'net.ipv4.conf.eth0.send_redirects': '0',
    })), []);
  });

  it('leaves a two-armed director alone (its replies leave through another interface) but still asks for forwarding', () => {
    const armed = oneArmedInterfaces(natPlan(), twoArmed);
    assert.deepEqual(armed, []);
    assert.deepEqual(natPathNotices(armed, sysctls({ 'net.ipv4.ip_forward': '0' })), [
      'net.ipv4.ip_forward is 0: this director will not route its LVS-NAT realservers\' answers back to the clients; fix: sysctl -w net.ipv4.ip_forward=1',
    ]);
  });

  it('takes a firewall-mark service\'s VIPs from its mark rules, and nothing from LVS-DR', () => {
    const plan = directorPlan(
      table([service(fwmark(7)), [dest('192.168.10.11', { forwarding: 'nat' })]], [service(tcp(443, '10.0.0.200')), [dest('10.0.0.21')]]),
      [markRule(7, ['80', '443'], '10.0.0.150')],
    );
    const holding = [eth('eth0', ['192.168.10.1', 24], ['10.0.0.150', 32], ['10.0.0.200', 32])];
    assert.deepEqual(oneArmedInterfaces(plan, holding), [{ device: 'eth0', vip: '10.0.0.150', realserver: '192.168.10.11' }]);
    const dr = directorPlan(table([service(tcp(80, '10.0.0.200')), [dest('192.168.10.21')]]));
    assert.equal(planHasNat(dr), false);
    assert.deepEqual(oneArmedInterfaces(dr, holding), [], 'an LVS-DR realserver on that network is no NAT path');
  });

  it('asks an IPv6 LVS-NAT director for IPv6 forwarding, and an IPv6-only one for nothing of IPv4', () => {
    const nat6 = directorPlan(table([service(tcp(80, 'fd00::60')), [dest('fd00:10::11', { forwarding: 'nat' })]]));
    const off = { interfaces: oneArmed, values: sysctls({ 'net.ipv4.ip_forward': '0', 'net.ipv6.conf.all.forwarding': '0' }) };
    assert.deepEqual(natPathNoticesOf(nat6, off), [
      'net.ipv6.conf.all.forwarding is 0: this director will not route its IPv6 LVS-NAT realservers\' answers back to the clients; fix: sysctl -w net.ipv6.conf.all.forwarding=1',
    ]);
    assert.deepEqual(natPathNoticesOf(nat6, { interfaces: oneArmed, values: sysctls({ 'net.ipv6.conf.all.forwarding': '1' }) }), []);
    // an IPv4-only NAT plan says nothing of IPv6 forwarding
    assert.deepEqual(natPathNoticesOf(natPlan(), { interfaces: twoArmed, values: sysctls({ 'net.ipv4.ip_forward': '1', 'net.ipv6.conf.all.forwarding': '0' }) }), []);
  });

  it('counts a VRRP group\'s moving addresses as held on its interface, on a backup too', () => {
    const plan = { ...natPlan(), vrrp: { group: 'g', interface: 'eth0', virtualRouterId: 51, priority: 100, advertIntervalSeconds: 1, addresses: [VIP, '192.168.10.1'], preempt: true, syncInterface: 'eth0', syncId: 51, takeOverConfig: false } };
    // a backup: the VIP and the inside address are on the master, eth0 has only its own address on the realservers' network
    const backup = [eth('eth0', ['10.0.0.2', 24], ['192.168.10.2', 24])];
    assert.deepEqual(oneArmedInterfaces(plan, backup), [{ device: 'eth0', vip: VIP, realserver: '192.168.10.11' }]);
    assert.deepEqual(oneArmedInterfaces(natPlan(), backup), [], 'without the group, a VIP not held places nothing');
  });

  describe('in the apply', () => {
    function reader(values: Record<string, string>): NatPathReader & { reads: number } {
      // every key a reading takes is answered; those not given are absent
      const r = {
        reads: 0,
        interfaces: async () => {
          r.reads += 1;
          return oneArmed;
        },
        sysctl: { read: async (keys: readonly string[]) => new Map(keys.map((k) => [k, values[k]])) },
      };
      return r;
    }

    it('reports the notice at the first apply and when an apply changes something, and reads nothing at a no-op', async () => {
      const natPath = reader({ 'net.ipv4.ip_forward': '1', 'net.ipv4.conf.all.send_redirects': '1', 'net.ipv4.conf.eth0.send_redirects': '0' });
      const ahead = new NatPathAhead(natPath);
      const rig = await directorRig({ natPath: ahead });
      const first = await rig.run(natPlan());
      assert.equal(first.result.outcome, 'changed');
      assert.equal(notices(first.events).filter((n) => n.includes('sends ICMP redirects')).length, 1, notices(first.events).join('\n'));
      const noop = await rig.run(natPlan());
      assert.equal(noop.result.outcome, 'ok');
      assert.deepEqual(notices(noop.events), []);
      assert.equal(natPath.reads, 1, 'a no-op apply reads no interface');
      const weight = await rig.run(natPlan(3));
      assert.equal(weight.result.outcome, 'changed');
      assert.equal(notices(weight.events).filter((n) => n.includes('sends ICMP redirects')).length, 1);
      assert.equal(natPath.reads, 2);
      // announced (a hello saying an apply follows): read then, and the apply takes that reading
      ahead.announce();
      assert.equal(natPath.reads, 3);
      const announced = await rig.run(natPlan(4));
      assert.equal(notices(announced.events).filter((n) => n.includes('sends ICMP redirects')).length, 1);
      assert.equal(natPath.reads, 3, 'the apply read nothing itself');
    });

    it('an IPv6-only LVS-NAT plan is checked too: IPv6 forwarding off is a notice of the apply', async () => {
      const rig = await directorRig({ natPath: new NatPathAhead(reader({ 'net.ipv4.ip_forward': '0', 'net.ipv6.conf.all.forwarding': '0' })) });
      const applied = await rig.run(directorPlan(table([service(tcp(80, 'fd00::60')), [dest('fd00:10::11', { forwarding: 'nat' })]])));
      assert.equal(applied.result.outcome, 'changed');
      assert.deepEqual(notices(applied.events).filter((n) => n.includes('forwarding')), [
        'net.ipv6.conf.all.forwarding is 0: this director will not route its IPv6 LVS-NAT realservers\' answers back to the clients; fix: sysctl -w net.ipv6.conf.all.forwarding=1',
      ]);
    });

    it('lets a reading taken ahead go when the plan has no NAT, reads nothing at the hellos after it, and reads again for NAT', async () => {
      const natPath = reader({ 'net.ipv4.ip_forward': '0' });
      const ahead = new NatPathAhead(natPath);
      const rig = await directorRig({ natPath: ahead });
      ahead.announce();
      const dr = await rig.run(directorPlan(table([service(tcp(80)), [dest('10.0.0.21')]])));
      assert.equal(dr.result.outcome, 'changed');
      assert.deepEqual(notices(dr.events), []);
      ahead.announce();
      assert.equal(natPath.reads, 1, 'an LVS-DR director reads nothing at a hello');
      const nat = await rig.run(natPlan());
      assert.equal(natPath.reads, 2, 'the NAT apply read for itself: the announced reading went with the apply it was for');
      assert.match(notices(nat.events).join('\n'), /net\.ipv4\.ip_forward is 0/);
    });

    it('does not wait past its bound for a reading that never comes', async () => {
      const never: NatPathReader = { interfaces: () => new Promise(() => undefined), sysctl: { read: async () => new Map() } };
      const rig = await directorRig({ natPath: new NatPathAhead(never, Date.now, 50) });
      const { result, events } = await rig.run(natPlan());
      assert.equal(result.outcome, 'changed');
      assert.deepEqual(notices(events), []);
    });

    it('does not stop the apply when the interfaces cannot be read', async () => {
      const rig = await directorRig({ natPath: new NatPathAhead({ interfaces: () => Promise.reject(new Error('netlink: permission denied')), sysctl: { read: async () => new Map() } }) });
      const { result, events } = await rig.run(natPlan());
      assert.equal(result.outcome, 'changed');
      assert.deepEqual(notices(events), []);
    });
  });
});
