import { strict as assert } from 'node:assert';
import { bareHost, drReadyHost, duty, realserverPlan, rig, VIP } from './rig';

describe('realserver verifier: LVS-DR', () => {
  it('reports ok when the VIP is on lo as /32 and the ARP sysctls are set', async () => {
    const r = await rig(drReadyHost());
    const out = await r.run(realserverPlan());
    assert.equal(out.result.outcome, 'ok', out.result.message);
    assert.equal(out.result.changed, 0);
    assert.equal(out.step('check-vip', VIP).message, `VIP ${VIP} (service web) is on lo as /32`);
    assert.equal(out.step('check-address').message, '10.0.0.11 is on eth0, the interface facing the directors');
    assert.equal(out.events.at(-1), out.result, 'the result is emitted last');
  });

  it('fails arp_ignore=0 with a message naming the VIP and the sysctl command that fixes it', async () => {
    const host = drReadyHost();
    host.sysctls.set('net.ipv4.conf.all.arp_ignore', '0');
    host.sysctls.set('net.ipv4.conf.eth0.arp_ignore', '0');
    const out = await (await rig(host)).run(realserverPlan());
    assert.equal(out.result.outcome, 'failed');
    const step = out.step('check-arp_ignore', 'net.ipv4.conf.all.arp_ignore');
    assert.equal(step.status, 'failed');
    assert.equal(step.message, `net.ipv4.conf.all.arp_ignore is 0, LVS-DR needs 1 so the realserver does not answer ARP for the VIP ${VIP}`);
    assert.equal(step.fix, 'sysctl -w net.ipv4.conf.all.arp_ignore=1');
    assert.equal(out.step('check-arp_ignore', 'net.ipv4.conf.eth0.arp_ignore').fix, 'sysctl -w net.ipv4.conf.eth0.arp_ignore=1');
  });

  it('accepts arp_ignore 0 on all when the facing interface has 1, since the kernel uses the larger', async () => {
    const host = drReadyHost();
    host.sysctls.set('net.ipv4.conf.all.arp_ignore', '0');
    const out = await (await rig(host)).run(realserverPlan());
    assert.equal(out.result.outcome, 'ok', out.result.message);
    assert.match(out.step('check-arp_ignore', 'net.ipv4.conf.all.arp_ignore').message, /kernel uses the larger of it and net\.ipv4\.conf\.eth0\.arp_ignore=1: 1/);
  });

  it('accepts arp_ignore 2 and refuses 8 (no ARP replies at all) even when the other key is 1', async () => {
    const two = drReadyHost();
    two.sysctls.set('net.ipv4.conf.all.arp_ignore', '2');
    assert.equal((await (await rig(two)).run(realserverPlan())).result.outcome, 'ok');
    const eight = drReadyHost();
    eight.sysctls.set('net.ipv4.conf.eth0.arp_ignore', '8');
    const out = await (await rig(eight)).run(realserverPlan());
    assert.equal(out.step('check-arp_ignore', 'net.ipv4.conf.eth0.arp_ignore').status, 'failed');
  });

  it('fails arp_announce below 2 with its fix', async () => {
    const host = drReadyHost();
    host.sysctls.set('net.ipv4.conf.all.arp_announce', '1');
    host.sysctls.set('net.ipv4.conf.eth0.arp_announce', '0');
    const out = await (await rig(host)).run(realserverPlan());
    const step = out.step('check-arp_announce', 'net.ipv4.conf.all.arp_announce');
    assert.equal(step.status, 'failed');
    assert.match(step.message, /is 1, LVS-DR needs 2 so the realserver never uses the VIP 10\.0\.0\.100 as the source/);
    assert.equal(step.fix, 'sysctl -w net.ipv4.conf.all.arp_announce=2');
  });

  it('fails when the VIP is missing from lo, with the ip addr command as fix', async () => {
    const host = drReadyHost();
    host.device('lo')!.addresses = host.device('lo')!.addresses.filter((a) => a.local !== VIP);
    const out = await (await rig(host)).run(realserverPlan());
    assert.equal(out.result.outcome, 'failed');
    const step = out.step('check-vip', VIP);
    assert.equal(step.status, 'failed');
    assert.match(step.message, /is not on lo \(or a dummy device\): LVS-DR realservers must hold it there as \/32/);
    assert.equal(step.fix, `ip addr add ${VIP}/32 dev lo`);
  });

  it('accepts the VIP on an up dummy device and says where it found it', async () => {
    const host = drReadyHost();
    host.device('lo')!.addresses = host.device('lo')!.addresses.filter((a) => a.local !== VIP);
    host.addAddress('lvs0', VIP, 32, 'dummy');
    const out = await (await rig(host)).run(realserverPlan());
    assert.equal(out.result.outcome, 'ok', out.result.message);
    assert.match(out.step('check-vip', VIP).message, /is on lvs0 as \/32/);
  });

  it('fails when the VIP is on the facing interface, where it answers ARP', async () => {
    const host = drReadyHost();
    host.addAddress('eth0', VIP, 24);
    const out = await (await rig(host)).run(realserverPlan());
    assert.equal(out.result.outcome, 'failed');
    const step = out.step('check-vip-not-announced', VIP);
    assert.equal(step.status, 'failed');
    assert.match(step.message, /is on eth0 \(the interface facing the directors\): that interface answers ARP/);
    assert.equal(step.fix, `ip addr del ${VIP}/24 dev eth0`);
  });

  it('fails a VIP on lo with a wider prefix than /32', async () => {
    const host = drReadyHost();
    host.device('lo')!.addresses.find((a) => a.local === VIP)!.prefixlen = 24;
    const out = await (await rig(host)).run(realserverPlan());
    const step = out.step('check-vip', VIP);
    assert.equal(step.status, 'failed');
    assert.equal(step.fix, `ip addr del ${VIP}/24 dev lo && ip addr add ${VIP}/32 dev lo`);
  });

  it('fails a VIP on lo as /32 and also wider: the wider one makes the network local all the same', async () => {
    const host = drReadyHost();
    const lo = host.device('lo')!;
    const thirtyTwo = lo.addresses.find((a) => a.local === VIP)!;
    lo.addresses.push({ ...thirtyTwo, prefixlen: 24 });
    const out = await (await rig(host)).run(realserverPlan());
    const step = out.step('check-vip', VIP);
    assert.equal(step.status, 'failed');
    assert.match(step.message ?? '', /is on lo as \/24 \(and as \/32 on lo\): anything wider than \/32 there makes the whole network local/);
    assert.equal(step.fix, `ip addr del ${VIP}/24 dev lo`);
  });

  it('checks an IPv6 VIP as /128 on lo and skips the ARP sysctls for it', async () => {
    const host = bareHost();
    host.addAddress('lo', '2001:db8::100', 128);
    const out = await (await rig(host)).run(realserverPlan({ duties: [duty({ vips: ['2001:0db8::100'] })] }));
    assert.equal(out.result.outcome, 'ok', out.result.message);
    assert.equal(out.steps.filter((s) => s.action.startsWith('check-arp')).length, 0);
  });

  it('checks that no proxy neighbour entry answers neighbour solicitation for an IPv6 VIP, and names the entry to delete', async () => {
    const host = bareHost();
    host.addAddress('lo', '2001:db8::100', 128);
    const plan = realserverPlan({ duties: [duty({ vips: ['2001:db8::100'] })] });
    const clean = await (await rig(host)).run(plan);
    assert.equal(clean.step('check-vip-not-proxied', '2001:db8::100').status, 'ok');
    host.proxyNeighbours.push({ address: '2001:DB8:0::100', device: 'eth0' });
    host.sysctls.set('net.ipv6.conf.eth0.forwarding', '1');
    host.sysctls.set('net.ipv6.conf.all.proxy_ndp', '1');
    const out = await (await rig(host)).run(plan);
    assert.equal(out.result.outcome, 'failed');
    const step = out.step('check-vip-not-proxied', '2001:db8::100');
    assert.match(step.message, /proxy neighbour entry on eth0, which forwards IPv6 with proxy_ndp on: this host answers neighbour solicitation for the VIP/);
    assert.equal(step.fix, 'ip -6 neigh del proxy 2001:db8::100 dev eth0');
  });

  it('passes a proxy neighbour entry the kernel does not answer for (the interface not forwarding, or proxy_ndp off), naming how to remove it', async () => {
    const host = bareHost();
    host.addAddress('lo', '2001:db8::100', 128);
    host.proxyNeighbours.push({ address: '2001:db8::100', device: 'eth0' });
    const plan = realserverPlan({ duties: [duty({ vips: ['2001:db8::100'] })] });
    for (const [forwarding, allProxy, ownProxy] of [['0', '1', '1'], ['1', '0', '0']]) {
      host.sysctls.set('net.ipv6.conf.eth0.forwarding', forwarding);
      host.sysctls.set('net.ipv6.conf.all.proxy_ndp', allProxy);
      host.sysctls.set('net.ipv6.conf.eth0.proxy_ndp', ownProxy);
      const step = (await (await rig(host)).run(plan)).step('check-vip-not-proxied', '2001:db8::100');
      assert.equal(step.status, 'ok', `forwarding ${forwarding}, proxy_ndp all ${allProxy} eth0 ${ownProxy}`);
      assert.match(step.message, /entry on eth0, which answers no neighbour solicitation there .* \(ip -6 neigh del proxy 2001:db8::100 dev eth0 removes it\)$/);
    }
    // proxy_ndp of eth0 alone is enough, with forwarding
    host.sysctls.set('net.ipv6.conf.eth0.forwarding', '1');
    host.sysctls.set('net.ipv6.conf.eth0.proxy_ndp', '1');
    assert.equal((await (await rig(host)).run(plan)).step('check-vip-not-proxied', '2001:db8::100').status, 'failed');
  });

  it('reads no proxy neighbour entries for IPv4 VIPs', async () => {
    const host = drReadyHost();
    host.proxyNeighbours.push({ address: '2001:db8::100', device: 'eth0' });
    const out = await (await rig(host)).run(realserverPlan());
    assert.equal(out.steps.filter((s) => s.action === 'check-vip-not-proxied').length, 0);
  });

  it('fails when no interface holds the plan address', async () => {
    const out = await (await rig(drReadyHost())).run(realserverPlan({ address: '10.0.0.99' }));
    const step = out.step('check-address', '10.0.0.99');
    assert.equal(step.status, 'failed');
    assert.match(step.fix ?? '', /correct hosts\.web1\.address in plan\.json/);
  });

  it('checks every VIP of a firewall-mark service once, naming every service that needs it', async () => {
    const host = drReadyHost();
    const out = await (await rig(host)).run(realserverPlan({ duties: [duty({ service: 'shop' }), duty({ service: 'pay' })] }));
    const vipSteps = out.steps.filter((s) => s.action === 'check-vip');
    assert.equal(vipSteps.length, 1);
    assert.match(vipSteps[0].message, /service shop, pay/);
  });

  it('refuses a director plan and an invalid realserver plan without touching the kernel', async () => {
    const r = await rig(bareHost());
    const director = await r.run({ role: 'director', cluster: 'shop', host: 'lvs1', generation: 1, services: [], marks: [] });
    assert.equal(director.result.outcome, 'failed');
    assert.match(director.result.message, /realserver; it was sent a director plan/);
    const bad = await r.run(realserverPlan({ prepare: true, duties: [duty({ vips: ['10.0.0.100\nlink set eth0 down'] })] }), 'apply');
    assert.equal(bad.result.outcome, 'failed');
    assert.match(bad.result.message, /duties\[0\]\.vips\[0\]: .* is not an IP address/);
    assert.deepEqual(r.host.processes, []);
  });
});
