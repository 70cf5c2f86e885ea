import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import { readRealserverOwned, realserverOwnedPath } from '../../../agent/state/realserver-owned';
import { bareHost, duty, realserverPlan, rig, VIP } from './rig';

const VIP2 = '10.0.0.101';
const prepared = (over = {}) => realserverPlan({ prepare: true, ...over });

describe('realserver prepare mode', () => {
  it('sets the VIP on lo in one process and the ARP sysctls (all, facing, lo) as /proc/sys files, and records them', async () => {
    const r = await rig(bareHost());
    const out = await r.run(prepared(), 'apply');
    assert.equal(out.result.outcome, 'changed', out.result.message);
    assert.ok(r.host.hasAddress('lo', VIP, 32));
    for (const dev of ['all', 'eth0', 'lo']) {
      assert.equal(r.host.sysctls.get(`net.ipv4.conf.${dev}.arp_ignore`), '1', dev);
      assert.equal(r.host.sysctls.get(`net.ipv4.conf.${dev}.arp_announce`), '2', dev);
    }
    assert.deepEqual(r.host.processes, ['ip -batch'], 'one process; the sysctls are /proc/sys files');
    const vip = out.step('check-vip', VIP);
    assert.equal(vip.status, 'changed');
    assert.match(vip.message, /is on lo as \/32 \(prepare ran: ip addr add 10\.0\.0\.100\/32 dev lo\)/);
    assert.equal(out.result.changed, out.steps.filter((s) => s.status === 'changed').length);

    const owned = await readRealserverOwned(r.stateDir);
    assert.deepEqual(owned.addresses, [{ device: 'lo', address: VIP, prefixlen: 32 }]);
    assert.equal(owned.generation, 1);
    assert.deepEqual(
      owned.sysctls.map((s) => `${s.key}=${s.value} was ${s.previous}`).sort(),
      ['all', 'eth0', 'lo'].flatMap((d) => [`net.ipv4.conf.${d}.arp_announce=2 was 0`, `net.ipv4.conf.${d}.arp_ignore=1 was 0`]).sort(),
    );
  });

  it('changes nothing on a second run', async () => {
    const r = await rig(bareHost());
    await r.run(prepared(), 'apply');
    const before = r.host.processes.length;
    const again = await r.run(prepared({ generation: 2 }), 'apply');
    assert.equal(again.result.outcome, 'ok', again.result.message);
    assert.equal(again.result.changed, 0);
    assert.equal(r.host.processes.length, before, 'no process was started');
  });

  it('removes only the VIP it added when a later plan drops it, and keeps what it did not set', async () => {
    const host = bareHost();
    host.addAddress('lo', VIP2, 32); // set by hand, not by the agent
    const r = await rig(host);
    await r.run(prepared({ duties: [duty({ vips: [VIP, VIP2] })] }), 'apply');
    assert.deepEqual((await readRealserverOwned(r.stateDir)).addresses.map((a) => a.address), [VIP]);

    const out = await r.run(prepared({ generation: 2, duties: [duty({ service: 'other', vips: [VIP2] })] }), 'apply');
    assert.equal(out.result.outcome, 'changed', out.result.message);
    assert.equal(out.step('remove-address').message, `removed ${VIP}/32 from lo: set by an earlier prepare, no longer in the plan`);
    assert.ok(!host.hasAddress('lo', VIP));
    assert.ok(host.hasAddress('lo', VIP2));
    assert.equal(host.sysctls.get('net.ipv4.conf.all.arp_ignore'), '1', 'still needed for the remaining VIP');
  });

  it('restores the sysctls it set when no DR duty is left, unless someone changed them since', async () => {
    const host = bareHost();
    host.sysctls.set('net.ipv4.conf.eth0.arp_announce', '1');
    const r = await rig(host);
    await r.run(prepared(), 'apply');
    host.sysctls.set('net.ipv4.conf.lo.arp_ignore', '2'); // an operator's own change

    const out = await r.run(prepared({ generation: 2, duties: [] }), 'apply');
    assert.equal(host.sysctls.get('net.ipv4.conf.all.arp_ignore'), '0');
    assert.equal(host.sysctls.get('net.ipv4.conf.eth0.arp_announce'), '1', 'back to its value before prepare');
    assert.equal(host.sysctls.get('net.ipv4.conf.lo.arp_ignore'), '2', 'left as the operator set it');
    assert.ok(out.events.some((e) => e.kind === 'notice' && /net\.ipv4\.conf\.lo\.arp_ignore is 2, not the 1 prepare set: left as it is/.test(e.message)));
    assert.deepEqual(await readRealserverOwned(r.stateDir), { generation: 2, addresses: [], links: [], sysctls: [] });
  });

  it('in check mode reports what it would set and changes nothing', async () => {
    const r = await rig(bareHost());
    const out = await r.run(prepared(), 'check');
    assert.equal(out.result.outcome, 'changed');
    const step = out.step('check-vip', VIP);
    assert.equal(step.status, 'changed');
    assert.match(step.message, /prepare would run: ip addr add 10\.0\.0\.100\/32 dev lo$/);
    assert.match(out.step('check-arp_ignore', 'net.ipv4.conf.all.arp_ignore').message, /prepare would run: sysctl -w net\.ipv4\.conf\.all\.arp_ignore=1 net\.ipv4\.conf\.lo\.arp_ignore=1$/);
    assert.deepEqual(r.host.processes, []);
    assert.ok(!r.host.hasAddress('lo', VIP));
    const diff = out.events.find((e) => e.kind === 'diff');
    assert.ok(diff && diff.kind === 'diff');
    assert.equal(diff.subject, 'realserver');
    assert.match(diff.before, /^net\.ipv4\.conf\.all\.arp_announce = 0$/m);
    assert.match(diff.after, /^addr 10\.0\.0\.100\/32 dev lo$/m);
    assert.match(diff.after, /^net\.ipv4\.conf\.all\.arp_announce = 2$/m);
    await assert.rejects(fs.access(realserverOwnedPath(r.stateDir)), 'no state written in check mode');
  });

  it('in check mode reports what it would undo', async () => {
    const r = await rig(bareHost());
    await r.run(prepared(), 'apply');
    const out = await r.run(prepared({ generation: 2, duties: [] }), 'check');
    assert.match(out.step('remove-address').message, /^would remove 10\.0\.0\.100\/32 from lo/);
    const diff = out.events.find((e) => e.kind === 'diff');
    assert.ok(diff && diff.kind === 'diff');
    assert.match(diff.before, /^addr 10\.0\.0\.100\/32 dev lo$/m);
    assert.match(diff.after, /^net\.ipv4\.conf\.all\.arp_ignore = 0$/m);
    assert.ok(r.host.hasAddress('lo', VIP));
  });

  it('still fails what prepare may not fix (the VIP on eth0), while fixing the rest', async () => {
    const host = bareHost();
    host.addAddress('eth0', VIP, 24);
    const r = await rig(host);
    const out = await r.run(prepared(), 'apply');
    assert.equal(out.result.outcome, 'failed');
    assert.equal(out.step('check-vip-not-announced', VIP).status, 'failed');
    assert.ok(host.hasAddress('eth0', VIP), 'never removes what it did not set');
    assert.equal(out.step('check-vip', VIP).status, 'changed');
  });

  it('for TUN loads ipip, brings tunl0 up with the VIP and turns rp_filter off', async () => {
    const host = bareHost();
    host.sysctls.set('net.ipv4.conf.all.rp_filter', '1');
    const r = await rig(host);
    const out = await r.run(prepared({ duties: [duty({ forwarding: 'tun' })] }), 'apply');
    assert.equal(out.result.outcome, 'changed', out.result.message);
    assert.deepEqual(host.processes, ['modprobe ipip', 'ip -batch']);
    assert.ok(host.device('tunl0')?.up);
    assert.ok(host.hasAddress('tunl0', VIP, 32));
    assert.equal(host.sysctls.get('net.ipv4.conf.all.rp_filter'), '0');
    assert.deepEqual((await readRealserverOwned(r.stateDir)).links, ['tunl0']);

    await r.run(prepared({ generation: 2, duties: [] }), 'apply');
    assert.ok(!host.device('tunl0')?.up, 'brought back down');
    assert.ok(!host.hasAddress('tunl0', VIP));
    assert.equal(host.sysctls.get('net.ipv4.conf.all.rp_filter'), '1');
  });

  it('sets the ARP sysctls before it adds the VIP, and adds no VIP when they fail (it would answer ARP for it); records only what happened', async () => {
    const host = bareHost();
    host.failNext.sysctl = 'sysctl: permission denied on key "net.ipv4.conf.all.arp_ignore"';
    const r = await rig(host);
    const out = await r.run(prepared(), 'apply');
    assert.equal(out.result.outcome, 'failed');
    assert.match(out.step('prepare').message, /setting what is missing failed: sysctl: permission denied.*\(no address was added: without these settings the host would answer ARP for the VIP\)/);
    assert.equal(r.host.hasAddress('lo', VIP), false, 'no VIP on lo while arp_ignore is 0');
    const owned = await readRealserverOwned(r.stateDir);
    assert.deepEqual(owned.addresses, []);
    assert.deepEqual(owned.sysctls, []);
    // the next prepare, with the settings writable, sets them and then the VIP
    const again = await r.run(prepared({ generation: 2 }), 'apply');
    assert.equal(again.result.outcome, 'changed', again.result.message);
    assert.ok(r.host.hasAddress('lo', VIP));
  });

  it('refuses an older generation than the one it prepared', async () => {
    const r = await rig(bareHost());
    await r.run(prepared({ generation: 5 }), 'apply');
    const out = await r.run(prepared({ generation: 4, duties: [] }), 'apply');
    assert.equal(out.result.outcome, 'failed');
    assert.match(out.result.message, /refusing plan generation 4: generation 5 was already prepared/);
    assert.ok(r.host.hasAddress('lo', VIP));
  });

  it('without prepare changes nothing and mentions what an earlier prepare set', async () => {
    const r = await rig(bareHost());
    await r.run(prepared(), 'apply');
    const before = r.host.processes.length;
    const out = await r.run(realserverPlan({ generation: 2, duties: [] }), 'apply');
    assert.equal(r.host.processes.length, before);
    assert.ok(out.events.some((e) => e.kind === 'notice' && /an earlier prepare set 10\.0\.0\.100\/32 on lo/.test(e.message)));
  });

  it('fails clearly on a damaged state file and changes nothing', async () => {
    const r = await rig(bareHost());
    await fs.writeFile(realserverOwnedPath(r.stateDir), '{"version":1,"addresses":"lo"}');
    const out = await r.run(prepared(), 'apply');
    assert.equal(out.result.outcome, 'failed');
    assert.match(out.step('prepare').message, /realserver-owned\.json: does not match the expected format at \/generation.*move it aside/);
    assert.equal(out.step('check-vip', VIP).status, 'failed', 'still verifies');
    assert.deepEqual(r.host.processes, []);
  });

  it('only mentions a damaged state file when it is merely verifying', async () => {
    const r = await rig(bareHost());
    await fs.writeFile(realserverOwnedPath(r.stateDir), 'not json');
    const out = await r.run(realserverPlan(), 'check');
    assert.equal(out.step('check-vip', VIP).status, 'failed');
    assert.ok(out.events.some((e) => e.kind === 'notice' && /realserver-owned\.json: is not valid JSON/.test(e.message)));
  });
});
