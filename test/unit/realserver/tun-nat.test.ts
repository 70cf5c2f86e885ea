import { strict as assert } from 'node:assert';
import { bareHost, DIRECTOR, duty, realserverPlan, rig, VIP } from './rig';

function tunReadyHost() {
  const host = bareHost();
  host.interfaces.push({ name: 'tunl0', linkType: 'ipip', kind: 'ipip', up: true, addresses: [{ family: 'inet', local: VIP, prefixlen: 32 }] });
  for (const dev of ['all', 'eth0']) {
    host.sysctls.set(`net.ipv4.conf.${dev}.arp_ignore`, '1');
    host.sysctls.set(`net.ipv4.conf.${dev}.arp_announce`, '2');
  }
  host.sysctls.set('net.ipv4.conf.tunl0.rp_filter', '0');
  return host;
}

const tunPlan = () => realserverPlan({ duties: [duty({ forwarding: 'tun' })] });

describe('realserver verifier: LVS-TUN', () => {
  it('reports ok with tunl0 up holding the VIP and rp_filter off', async () => {
    const out = await (await rig(tunReadyHost())).run(tunPlan());
    assert.equal(out.result.outcome, 'ok', out.result.message);
    assert.equal(out.step('check-tunnel', 'tunl0').status, 'ok');
    assert.match(out.step('check-vip', VIP).message, /is on tunl0 as \/32/);
  });

  it('takes a VIP a DR and a TUN service share, on lo and on tunl0: tunl0 answers no ARP for the DR service either', async () => {
    const host = tunReadyHost();
    host.addAddress('lo', VIP, 32);
    const shared = realserverPlan({ duties: [duty({ service: 'web', forwarding: 'dr' }), duty({ service: 'far', forwarding: 'tun' })] });
    const out = await (await rig(host)).run(shared);
    assert.equal(out.result.outcome, 'ok', out.result.message);
    assert.ok(out.steps.filter((s) => s.target === VIP).every((s) => s.status === 'ok'), JSON.stringify(out.steps.filter((s) => s.target === VIP)));
  });

  it('fails without tunl0, telling to load the ipip module', async () => {
    const out = await (await rig(bareHost())).run(tunPlan());
    const step = out.step('check-tunnel', 'tunl0');
    assert.equal(step.status, 'failed');
    assert.equal(step.fix, 'modprobe ipip && ip link set tunl0 up');
    assert.equal(out.step('check-vip', VIP).fix, `modprobe ipip && ip addr add ${VIP}/32 dev tunl0`);
  });

  it('fails a tunl0 that is down', async () => {
    const host = tunReadyHost();
    host.device('tunl0')!.up = false;
    const out = await (await rig(host)).run(tunPlan());
    assert.equal(out.step('check-tunnel', 'tunl0').fix, 'ip link set tunl0 up');
    assert.equal(out.step('check-vip', VIP).status, 'failed');
  });

  it('fails strict rp_filter, whose effective value is the larger of all and tunl0', async () => {
    const host = tunReadyHost();
    host.sysctls.set('net.ipv4.conf.all.rp_filter', '1');
    const out = await (await rig(host)).run(tunPlan());
    const step = out.step('check-rp_filter', 'net.ipv4.conf.all.rp_filter');
    assert.equal(step.status, 'failed');
    assert.match(step.message, /is 1, LVS-TUN needs 0 \(or 2, loose\)/);
    assert.equal(step.fix, 'sysctl -w net.ipv4.conf.all.rp_filter=0');
    assert.equal(out.step('check-rp_filter', 'net.ipv4.conf.tunl0.rp_filter').status, 'ok');
  });

  it('accepts loose rp_filter (2), as systemd sets it', async () => {
    const host = tunReadyHost();
    host.sysctls.set('net.ipv4.conf.all.rp_filter', '2');
    assert.equal((await (await rig(host)).run(tunPlan())).result.outcome, 'ok');
  });
});

describe('realserver verifier: LVS-NAT', () => {
  const natPlan = () => realserverPlan({ duties: [duty({ forwarding: 'nat' })] });

  it('reports ok when the default route goes via a director, and asks nothing of ARP or the VIP', async () => {
    const out = await (await rig(bareHost())).run(natPlan());
    assert.equal(out.result.outcome, 'ok', out.result.message);
    assert.match(out.step('check-default-route').message, new RegExp(`via the director ${DIRECTOR} \\(eth0\\)`));
    assert.equal(out.steps.filter((s) => s.action.startsWith('check-arp') || s.action === 'check-vip').length, 0);
  });

  it('fails a default route via another gateway, with the route command as fix', async () => {
    const out = await (await rig(bareHost({ gateway: '10.0.0.254' }))).run(natPlan());
    const step = out.step('check-default-route');
    assert.equal(step.status, 'failed');
    assert.match(step.message, /^the default route goes via 10\.0\.0\.254; LVS-NAT \(service web\) needs it via a director \(its NAT gateway 10\.0\.0\.1\)/);
    assert.equal(step.fix, `ip route replace default via ${DIRECTOR}`);
  });

  it('judges the default route the kernel uses: a lower metric via another gateway, or a multipath hop elsewhere, fails', async () => {
    const host = bareHost();
    host.routes.inet = [{ gateway: '10.0.0.254', device: 'eth0', metric: 10, route: 0 }, { gateway: DIRECTOR, device: 'eth0', metric: 100, route: 1 }];
    const lower = (await (await rig(host)).run(natPlan())).step('check-default-route');
    assert.equal(lower.status, 'failed');
    assert.match(lower.message, /^the default route goes via 10\.0\.0\.254 \(metric 10\), not by the one via the director 10\.0\.0\.1 \(metric 100: a lower metric wins\);/);
    assert.equal(lower.fix, 'ip route del default via 10.0.0.254 metric 10');
    // the director's route the lowest: ok, whatever else there is
    host.routes.inet = [{ gateway: '10.0.0.254', device: 'eth0', metric: 200, route: 0 }, { gateway: DIRECTOR, device: 'eth0', metric: 100, route: 1 }];
    assert.equal((await (await rig(host)).run(natPlan())).step('check-default-route').status, 'ok');
    // multipath: replies leave by every hop, so every hop must be a director
    host.routes.inet = [{ gateway: DIRECTOR, device: 'eth0', route: 0 }, { gateway: '10.0.0.254', device: 'eth0', route: 0 }];
    const multipath = (await (await rig(host)).run(natPlan())).step('check-default-route');
    assert.equal(multipath.status, 'failed');
    assert.match(multipath.message, /^the default route goes via 10\.0\.0\.1 and 10\.0\.0\.254 \(multipath: replies leave by each hop\);/);
    assert.equal(multipath.fix, `ip route replace default via ${DIRECTOR}`);
  });

  it('fails when there is no default route at all', async () => {
    const host = bareHost();
    host.routes.inet = [];
    const out = await (await rig(host)).run(natPlan());
    assert.match(out.step('check-default-route').message, /^there is no default route;/);
  });

  it('leaves the route alone in prepare mode: it only reports it', async () => {
    const r = await rig(bareHost({ gateway: '10.0.0.254' }));
    const out = await r.run(realserverPlan({ prepare: true, duties: [duty({ forwarding: 'nat' })] }), 'apply');
    assert.equal(out.result.outcome, 'failed');
    assert.deepEqual(r.host.routes.inet, [{ gateway: '10.0.0.254', device: 'eth0' }]);
  });
});

describe('realserver verifier: IPv6 LVS-NAT and ICMPv6 redirects', () => {
  const ADDRESS6 = 'fd00:10::11';
  const GATEWAY6 = 'fd00:10::1';
  const KEY = 'net.ipv6.conf.eth0.accept_redirects';
  const nat6Plan = (prepare = false) => realserverPlan({ address: ADDRESS6, prepare, duties: [duty({ forwarding: 'nat', vips: ['fd00::60'], directors: [GATEWAY6] })] });

  it('fails eth0 following redirects (the kernel\'s default, 1), naming the sysctl to set', async () => {
    const out = await (await rig(bareHost({ address: ADDRESS6, gateway: GATEWAY6 }))).run(nat6Plan());
    assert.equal(out.step('check-default-route').status, 'ok');
    const step = out.step('check-accept_redirects', KEY);
    assert.equal(step.status, 'failed');
    assert.match(step.message, /^net\.ipv6\.conf\.eth0\.accept_redirects is 1: IPv6 LVS-NAT \(service web\) needs 0, so that an ICMPv6 redirect from a one-armed director cannot send the answers straight to the client, un-NATed$/);
    assert.equal(step.fix, `sysctl -w ${KEY}=0`);
  });

  it('reports ok once it is 0, and asks nothing of an IPv4 NAT realserver', async () => {
    const host = bareHost({ address: ADDRESS6, gateway: GATEWAY6 });
    host.sysctls.set(KEY, '0');
    const out = await (await rig(host)).run(nat6Plan());
    assert.equal(out.result.outcome, 'ok', out.result.message);
    assert.equal(out.step('check-accept_redirects', KEY).status, 'ok');
    const v4 = await (await rig(bareHost())).run(realserverPlan({ duties: [duty({ forwarding: 'nat' })] }));
    assert.equal(v4.steps.filter((s) => s.action === 'check-accept_redirects').length, 0);
  });

  it('passes an interface that forwards IPv6, whose redirects the kernel ignores whatever accept_redirects says, and says why', async () => {
    const host = bareHost({ address: ADDRESS6, gateway: GATEWAY6 });
    host.sysctls.set('net.ipv6.conf.eth0.forwarding', '1');
    const out = await (await rig(host)).run(nat6Plan(true), 'apply');
    const step = out.step('check-accept_redirects', KEY);
    assert.equal(step.status, 'ok');
    assert.equal(step.message, 'net.ipv6.conf.eth0.accept_redirects is 1, but net.ipv6.conf.eth0.forwarding is 1: the kernel follows no redirect on an interface that forwards');
    assert.equal(host.sysctls.get(KEY), '1', 'prepare has nothing to set there');
  });

  it('checks the interface of the route toward the director, where a redirect would arrive, not only the one holding the address', async () => {
    const host = bareHost({ address: ADDRESS6 });
    host.addAddress('eth1', 'fd00:20::11', 64);
    host.sysctls.set('net.ipv6.conf.eth1.accept_redirects', '1');
    host.sysctls.set(KEY, '0');
    host.routes.inet6 = [{ gateway: GATEWAY6, device: 'eth1' }];
    const out = await (await rig(host)).run(nat6Plan());
    const checks = out.steps.filter((s) => s.action === 'check-accept_redirects');
    assert.deepEqual(checks.map((c) => [c.target, c.status]), [['net.ipv6.conf.eth1.accept_redirects', 'failed']]);
  });

  it('sets it to 0 in prepare mode, keeps it there at the next rollout, and puts it back when the plan drops the service', async () => {
    const r = await rig(bareHost({ address: ADDRESS6, gateway: GATEWAY6 }));
    const out = await r.run(nat6Plan(true), 'apply');
    assert.equal(out.result.outcome, 'changed', out.result.message);
    assert.equal(r.host.sysctls.get(KEY), '0');
    // the next rollout found it as wanted: nothing undone (an earlier build restored it to 1, and failed)
    const again = await r.run(nat6Plan(true), 'apply');
    assert.equal(again.result.outcome, 'ok', again.result.message);
    assert.equal(r.host.sysctls.get(KEY), '0');
    const dropped = await r.run(realserverPlan({ address: ADDRESS6, prepare: true, duties: [] }), 'apply');
    assert.equal(dropped.result.outcome, 'changed', dropped.result.message);
    assert.equal(r.host.sysctls.get(KEY), '1');
  });
});
