// The keepalived part of a director's apply and its read-back, on fakes.
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { createDirectorApplier } from '../../../agent/director/applier';
import { advertIdentity, advertIdentityChanges, configOwnership, renderKeepalivedConfig } from '../../../agent/director/keepalived-config';
import { readVrrpStatus } from '../../../agent/director/vrrp-status';
import { FakeIpvs } from '../../../agent/kernel/fake/ipvs';
import { FakeKeepalived } from '../../../agent/kernel/fake/keepalived';
import { FakeMarks } from '../../../agent/kernel/fake/marks';
import { IpvsWriter } from '../../../agent/kernel/ipvs-writer';
import { notifyScriptText, parseNotifiedLine } from '../../../agent/kernel/linux/keepalived';
import { silentLogger } from '../../../agent/logging';
import type { ApplyEvent, ApplyMode } from '../../../lvs/apply-events';
import type { DirectorPlan } from '../../../lvs/host-plan';
import type { VrrpPlan } from '../../../lvs/vrrp';
import { dest, directorPlan, fwmark, markRule, service, table } from './builders';
import { tempDir } from '../../temp-dirs';

const VRRP: VrrpPlan = {
  group: 'front', interface: 'eth0', virtualRouterId: 51, priority: 110, advertIntervalSeconds: 1, authPassword: 'secret',
  addresses: ['10.0.0.100', '2001:db8::100'], preempt: true, syncInterface: 'eth0', syncId: 51, takeOverConfig: false,
};

function groupPlan(vrrp: VrrpPlan = VRRP, generation = 1): DirectorPlan {
  const plan = directorPlan(table([service(fwmark(1), { persistence: { timeout: 360 } }), [dest('10.0.0.11'), dest('10.0.0.12')]]), [markRule(1, ['80', '443'])], generation);
  return { ...plan, vrrp };
}

async function rig(keepalived = new FakeKeepalived(), devices?: string[]) {
  const stateDir = await tempDir('lvsctl-vrrp-');
  const ipvs = new FakeIpvs();
  const interfaces = devices ? async () => devices.map((name) => ({ name, linkType: 'ether', up: true, addresses: [] })) : undefined;
  const applier = createDirectorApplier({ stateDir, logger: silentLogger(), kernel: { ipvs: new IpvsWriter(ipvs), marks: new FakeMarks(), keepalived, ...(interfaces ? { interfaces } : {}) } });
  return {
    ipvs,
    keepalived,
    async run(plan: DirectorPlan, mode: ApplyMode = 'apply') {
      const events: ApplyEvent[] = [];
      const result = await applier.apply(plan, mode, (e) => events.push(e));
      return { result, events };
    },
  };
}

describe('keepalived.conf as the agent renders it', () => {
  it('is VRRP only: lvs_sync_daemon in global_defs, one vrrp_instance, IPv6 apart, no virtual_server', () => {
    const text = renderKeepalivedConfig(VRRP, '/var/lib/lvsctl/vrrp-notify.sh');
    assert.match(text, /global_defs \{\n {4}script_user root\n {4}enable_script_security\n {4}lvs_sync_daemon eth0 LVSCTL_front id 51\n\}/);
    assert.match(text, /vrrp_instance LVSCTL_front \{\n {4}state BACKUP\n {4}interface eth0\n {4}virtual_router_id 51\n {4}priority 110\n {4}advert_int 1\n/);
    assert.match(text, /auth_type PASS\n {8}auth_pass secret/);
    assert.match(text, /virtual_ipaddress \{\n {8}10\.0\.0\.100\/32 dev eth0\n {4}\}/);
    assert.match(text, /virtual_ipaddress_excluded \{\n {8}2001:db8::100\/128 dev eth0\n {4}\}/);
    assert.match(text, /notify "\/var\/lib\/lvsctl\/vrrp-notify\.sh"/);
    assert.doesNotMatch(text, /virtual_server|nopreempt/);
    assert.match(renderKeepalivedConfig({ ...VRRP, preempt: false }, '/x'), /\n {4}nopreempt\n/);
  });

  it('puts a two-armed director\'s NAT gateway on its inside interface, the VIPs on the VRRP one', () => {
    const text = renderKeepalivedConfig({ ...VRRP, addresses: ['10.0.0.100', '192.168.10.254'], natGatewayOn: { address: '192.168.10.254', interface: 'eth1' } }, '/x');
    assert.match(text, /virtual_ipaddress \{\n {8}10\.0\.0\.100\/32 dev eth0\n {4}\}\n {4}virtual_ipaddress_excluded \{\n {8}192\.168\.10\.254\/32 dev eth1\n {4}\}/);
  });

  it('makes a group that moves only IPv6 addresses an IPv6 instance (VRRPv3): its first address advertised, no authentication', () => {
    const text = renderKeepalivedConfig({ ...VRRP, addresses: ['2001:db8::100', '2001:db8::101'], authPassword: undefined }, '/x');
    assert.match(text, /virtual_ipaddress \{\n {8}2001:db8::100\/128 dev eth0\n {4}\}\n {4}virtual_ipaddress_excluded \{\n {8}2001:db8::101\/128 dev eth0\n {4}\}/);
    assert.doesNotMatch(text, /authentication/);
  });

  it('advertises one address, so a VIP added or removed leaves the adverts alone (a backup with the old file keeps taking them)', () => {
    const before = renderKeepalivedConfig({ ...VRRP, addresses: ['10.0.0.100', '10.0.0.101', '2001:db8::100'] }, '/x');
    assert.match(before, /virtual_ipaddress \{\n {8}10\.0\.0\.100\/32 dev eth0\n {4}\}\n {4}virtual_ipaddress_excluded \{\n {8}10\.0\.0\.101\/32 dev eth0\n {8}2001:db8::100\/128 dev eth0\n {4}\}/);
    const added = renderKeepalivedConfig({ ...VRRP, addresses: ['10.0.0.100', '10.0.0.101', '10.0.0.102', '2001:db8::100'] }, '/x');
    const removed = renderKeepalivedConfig({ ...VRRP, addresses: ['10.0.0.100'] }, '/x');
    const identity = (text: string) => advertIdentity(text, VRRP)!;
    assert.deepEqual(identity(before), { virtualRouterId: '51', advertInterval: '1', password: 'secret', advertised: ['10.0.0.100/32'] });
    assert.deepEqual(advertIdentityChanges(identity(before), identity(added)), []);
    assert.deepEqual(advertIdentityChanges(identity(before), identity(removed)), []);
    // what a backup does compare: each named
    const other = renderKeepalivedConfig({ ...VRRP, addresses: ['10.0.0.101'], virtualRouterId: 52, advertIntervalSeconds: 2, authPassword: 'other' }, '/x');
    assert.deepEqual(advertIdentityChanges(identity(before), identity(other)), [
      'virtual_router_id 51 → 52', 'advert_int 1 → 2', 'the authentication password', 'the advertised address 10.0.0.100/32 → 10.0.0.101/32',
    ]);
  });

  it('keeps advertising what its file advertised while the group moves it: an upgraded file (every address advertised), a VIP put first in the plan', () => {
    const v4 = (addresses: string[]) => ({ ...VRRP, addresses });
    // a file of an earlier agent advertised both: the upgrade changes nothing in the adverts
    const upgraded = renderKeepalivedConfig(v4(['10.0.0.100', '10.0.0.101', '10.0.0.102']), '/x', ['10.0.0.100', '10.0.0.101']);
    assert.match(upgraded, /virtual_ipaddress \{\n {8}10\.0\.0\.100\/32 dev eth0\n {8}10\.0\.0\.101\/32 dev eth0\n {4}\}\n {4}virtual_ipaddress_excluded \{\n {8}10\.0\.0\.102\/32 dev eth0\n {4}\}/);
    // a new service put first: the advertised address stays
    const first = renderKeepalivedConfig(v4(['10.0.0.99', '10.0.0.100']), '/x', ['10.0.0.100']);
    assert.deepEqual(advertIdentity(first, VRRP)?.advertised, ['10.0.0.100/32']);
    // the advertised address gone from the group: the first one now, the adverts change (said by the agent)
    const gone = renderKeepalivedConfig(v4(['10.0.0.99', '10.0.0.101']), '/x', ['10.0.0.100']);
    assert.deepEqual(advertIdentity(gone, VRRP)?.advertised, ['10.0.0.99/32']);
    // an IPv6-only group given an IPv4 NAT gateway stays an IPv6 instance, its address advertised
    const six = { ...VRRP, authPassword: undefined, addresses: ['2001:db8::100', '192.168.10.254'], natGatewayOn: { address: '192.168.10.254', interface: 'eth1' } };
    const grown = renderKeepalivedConfig(six, '/x', ['2001:db8::100']);
    assert.deepEqual(advertIdentity(grown, VRRP)?.advertised, ['2001:db8::100/128']);
    assert.match(grown, /virtual_ipaddress_excluded \{\n {8}192\.168\.10\.254\/32 dev eth1\n {4}\}/);
  });

  it('knows its own file, a hand edit of it, and a file it did not write', () => {
    const text = renderKeepalivedConfig(VRRP, '/x');
    assert.equal(configOwnership(undefined), 'absent');
    assert.equal(configOwnership(text), 'owned');
    assert.equal(configOwnership(text.replace('priority 110', 'priority 120')), 'edited');
    assert.equal(configOwnership('vrrp_instance VI_1 {\n}\n'), 'foreign');
  });

  it('the notify script writes one line the agent parses', () => {
    assert.match(notifyScriptText("/var/lib/it's/vrrp-state"), /> '\/var\/lib\/it'\\''s\/vrrp-state'\.tmp && mv -f/);
    assert.deepEqual(parseNotifiedLine('MASTER LVSCTL_front 110 1700000000\n', 5), { state: 'MASTER', instance: 'LVSCTL_front', priority: 110, atMs: 1_700_000_000_000 });
    assert.equal(parseNotifiedLine('garbage', 5), undefined);
  });
});

describe('a director in a group applies keepalived with its table', () => {
  it('writes the config and reloads keepalived once; the next apply changes nothing', async () => {
    const r = await rig();
    const first = await r.run(groupPlan());
    assert.equal(first.result.outcome, 'changed');
    assert.equal(configOwnership(r.keepalived.config), 'owned');
    assert.equal(r.keepalived.reloads, 1);
    assert.ok(first.events.some((e) => e.kind === 'step' && e.action === 'keepalived' && e.status === 'changed'));
    const second = await r.run(groupPlan(VRRP, 2));
    assert.equal(second.result.outcome, 'ok');
    assert.equal(r.keepalived.reloads, 1);
    assert.ok(r.keepalived.keptPrivate >= 1, 'a file left as planned is still made its owner\'s only (auth_pass)');
  });

  it('says when a rollout changes the group\'s adverts (router id, interval, password, advertised address), and not for a VIP added', async () => {
    const r = await rig();
    await r.run(groupPlan());
    const notices = (events: ApplyEvent[]) => events.flatMap((e) => (e.kind === 'notice' ? [e.message] : []));
    const added = await r.run(groupPlan({ ...VRRP, addresses: [...VRRP.addresses, '10.0.0.101'] }, 2));
    assert.equal(added.result.outcome, 'changed');
    assert.deepEqual(notices(added.events), []);
    const moved = await r.run(groupPlan({ ...VRRP, addresses: ['10.0.0.102', '10.0.0.101'], virtualRouterId: 52 }, 3));
    assert.equal(moved.result.outcome, 'changed');
    assert.deepEqual(notices(moved.events), [
      'group "front": its VRRP adverts change (virtual_router_id 51 → 52, the advertised address 10.0.0.100/32 → 10.0.0.102/32): until every director of the group has the new keepalived.conf, a backup drops the master\'s adverts and takes the addresses too (two masters for a few seconds, or until the other director is applied): roll out the whole group at once, and apply it when a short double answer is acceptable (docs/ha.md, "What a rollout changes in the adverts")',
    ]);
  });

  it('refuses to reload over a file of its own edited by hand to define a virtual server, even when the plan takes the file over', async () => {
    const keepalived = new FakeKeepalived();
    const r = await rig(keepalived);
    await r.run(groupPlan());
    const edited = `${keepalived.config ?? ''}virtual_server 10.0.0.101 80 {\n  lb_algo rr\n}\n`;
    keepalived.config = edited;
    assert.equal(configOwnership(edited), 'edited');
    const refused = await r.run(groupPlan({ ...VRRP, takeOverConfig: true, priority: 120 }, 2));
    assert.equal(refused.result.outcome, 'failed');
    assert.match(refused.result.message, /defines IPVS services of keepalived's own \(virtual_server 10\.0\.0\.101 80\): keepalived deletes them from the table when it reloads without them/);
    assert.equal(keepalived.config, edited);
  });

  it('a keepalived it cannot check (its file unreadable) fails under its own subject, not keepalived missing or stopped (which lets a rollout go on)', async () => {
    const keepalived = new FakeKeepalived();
    keepalived.readConfig = async () => { throw Object.assign(new Error('EACCES: permission denied, open \'/etc/keepalived/keepalived.conf\''), { code: 'EACCES' }); };
    const r = await rig(keepalived);
    const { result, events } = await r.run(groupPlan());
    assert.equal(result.outcome, 'failed');
    const failed = events.filter((e) => e.kind === 'step' && e.status === 'failed').map((e) => e.kind === 'step' && e.target);
    assert.deepEqual(failed, ['keepalived check']);
    assert.match(result.message, /could not check keepalived: EACCES/);
  });

  it('an earlier agent\'s file, which advertised every address, is rewritten with the same adverts: no notice, no second master at the upgrade', async () => {
    const keepalived = new FakeKeepalived();
    const r = await rig(keepalived);
    const vrrp = { ...VRRP, addresses: ['10.0.0.100', '10.0.0.101'] };
    await r.run(groupPlan(vrrp));
    // what an earlier agent wrote: both addresses in virtual_ipaddress (its own header and digest)
    const body = (keepalived.config ?? '').replace(/^[^\n]*\n/, '').replace(/ {4}virtual_ipaddress \{\n {8}10\.0\.0\.100\/32 dev eth0\n {4}\}\n {4}virtual_ipaddress_excluded \{\n {8}10\.0\.0\.101\/32 dev eth0\n/, '    virtual_ipaddress {\n        10.0.0.100/32 dev eth0\n        10.0.0.101/32 dev eth0\n    }\n    virtual_ipaddress_excluded {\n');
    keepalived.config = `# Written by lvsctl-agent; sha256 ${createHash('sha256').update(body).digest('hex')}\n${body}`;
    assert.equal(configOwnership(keepalived.config), 'owned');
    const next = await r.run(groupPlan({ ...vrrp, addresses: [...vrrp.addresses, '10.0.0.102'] }, 2));
    assert.equal(next.result.outcome, 'changed');
    assert.deepEqual(next.events.filter((e) => e.kind === 'notice'), []);
    assert.deepEqual(advertIdentity(keepalived.config ?? '', VRRP)?.advertised, ['10.0.0.100/32', '10.0.0.101/32']);
  });

  it('a first keepalived.conf whose reload failed goes with the rollback, so the next apply writes it and reloads keepalived again', async () => {
    const keepalived = new FakeKeepalived();
    keepalived.failReload = new Error('kill ESRCH');
    const r = await rig(keepalived);
    const failed = await r.run(groupPlan());
    assert.equal(failed.result.outcome, 'failed', failed.result.message);
    assert.equal(keepalived.config, undefined, 'the file the failed apply wrote is gone');
    const next = await r.run(groupPlan(VRRP, 2));
    assert.equal(next.result.outcome, 'changed', next.result.message);
    assert.equal(configOwnership(keepalived.config), 'owned');
    assert.equal(keepalived.reloads, 1, 'keepalived read the file');
  });

  it('check mode says it would write and changes nothing', async () => {
    const r = await rig();
    const { result, events } = await r.run(groupPlan(), 'check');
    assert.equal(result.outcome, 'changed');
    assert.equal(r.keepalived.config, undefined);
    assert.ok(events.some((e) => e.kind === 'step' && e.action === 'keepalived' && /would write/.test(e.message)));
  });

  it('leaves a file it did not write alone, and applies nothing, unless the plan takes it over', async () => {
    const keepalived = new FakeKeepalived();
    keepalived.config = 'vrrp_instance VI_1 {\n}\n';
    const r = await rig(keepalived);
    const refused = await r.run(groupPlan());
    assert.equal(refused.result.outcome, 'failed');
    assert.match(refused.result.message, /was not written by lvsctl.*takeOverKeepalivedConfig/);
    assert.equal(keepalived.config, 'vrrp_instance VI_1 {\n}\n');
    assert.equal((await r.ipvs.read()).services.length, 0);
    const taken = await r.run(groupPlan({ ...VRRP, takeOverConfig: true }));
    assert.equal(taken.result.outcome, 'changed');
    assert.equal(configOwnership(keepalived.config), 'owned');
  });

  it('does not take over a running keepalived\'s file that defines virtual servers (its reload would delete them): a precondition naming them and the migration', async () => {
    const keepalived = new FakeKeepalived();
    const theirs = [
      'vrrp_instance VI_1 {\n  virtual_router_id 51\n}',
      '! virtual_server 10.0.0.9 25 {  (a comment)',
      'virtual_server 10.0.0.100 80 {\n  lb_algo rr\n  real_server 10.0.0.11 80 {\n  }\n}',
      'virtual_server fwmark 1 {\n}',
      'virtual_server_group web {\n  10.0.0.101 443\n}',
      'virtual_server group web{\n}',
    ].join('\n');
    keepalived.config = theirs;
    const r = await rig(keepalived);
    const refused = await r.run(groupPlan({ ...VRRP, takeOverConfig: true }));
    assert.equal(refused.result.outcome, 'failed');
    assert.equal(refused.result.failedPrecondition, true);
    assert.match(refused.result.message, /defines IPVS services of keepalived's own \(virtual_server 10\.0\.0\.100 80, virtual_server fwmark 1, virtual_server_group web, … 4 in all\): keepalived deletes them from the table when it reloads without them/);
    assert.match(refused.result.message, /fix: take the virtual_server blocks out of .* and reload keepalived while this director is the BACKUP/);
    assert.equal(keepalived.config, theirs);
    assert.equal(keepalived.reloads, 0);
    assert.equal((await r.ipvs.read()).services.length, 0);
    // its virtual servers taken out by hand (and keepalived reloaded): the take-over goes ahead
    keepalived.config = 'vrrp_instance VI_1 {\n  virtual_router_id 51\n}\n';
    assert.equal((await r.run(groupPlan({ ...VRRP, takeOverConfig: true }))).result.outcome, 'changed');
    assert.equal(configOwnership(keepalived.config), 'owned');
  });

  it('does not take over a running keepalived\'s file that includes others (they may define virtual servers it cannot see): a precondition naming them', async () => {
    const keepalived = new FakeKeepalived();
    const theirs = 'global_defs {\n  router_id lb1\n}\n# include old/*.conf\ninclude /etc/keepalived/conf.d/*.conf\nvrrp_instance VI_1 {\n  virtual_router_id 51\n}\n';
    keepalived.config = theirs;
    const r = await rig(keepalived);
    const refused = await r.run(groupPlan({ ...VRRP, takeOverConfig: true }));
    assert.equal(refused.result.failedPrecondition, true);
    assert.match(refused.result.message, /\/etc\/keepalived\/keepalived\.conf includes other files \(include \/etc\/keepalived\/conf\.d\/\*\.conf\), which may define IPVS services of keepalived's own: .*fix: take the include lines \(and any virtual_server blocks\) out of/);
    assert.equal(keepalived.config, theirs);
    assert.equal(keepalived.reloads, 0);
    keepalived.config = theirs.replace(/^include .*\n/m, '');
    assert.equal((await r.run(groupPlan({ ...VRRP, takeOverConfig: true }))).result.outcome, 'changed');
  });

  it('refuses a group whose interface, sync interface or gateway interface the director has no device for: nothing written, the table untouched', async () => {
    const r = await rig(new FakeKeepalived(), ['lo', 'eth0']);
    const twoArmed: VrrpPlan = { ...VRRP, syncInterface: 'eth2', addresses: ['10.0.0.100', '192.168.1.254'], natGatewayOn: { address: '192.168.1.254', interface: 'eth1' } };
    const { result } = await r.run(groupPlan(twoArmed));
    assert.equal(result.outcome, 'failed');
    assert.equal(result.failedPrecondition, true);
    assert.match(result.message, /eth2, the sync\.interface of group "front", is no network device of this director \(it has eth0, lo\) \(fix: name one of its devices in the plan's directorGroups entry "front", or create eth2/);
    assert.match(result.message, /eth1, the natGatewayInterface of group "front", is no network device/);
    assert.equal(r.keepalived.config, undefined);
    assert.equal((await r.ipvs.read()).services.length, 0);
    const fine = await rig(new FakeKeepalived(), ['lo', 'eth0', 'eth1', 'eth2']);
    assert.equal((await fine.run(groupPlan(twoArmed))).result.outcome, 'changed');
  });

  it('a failed read of the devices is named as such, not as keepalived', async () => {
    const stateDir = await tempDir('lvsctl-vrrp-');
    const ipvs = new FakeIpvs();
    const keepalived = new FakeKeepalived();
    const applier = createDirectorApplier({
      stateDir, logger: silentLogger(),
      kernel: { ipvs: new IpvsWriter(ipvs), marks: new FakeMarks(), keepalived, interfaces: async () => { throw new Error('netlink socket: EPERM'); } },
    });
    const result = await applier.apply(groupPlan(), 'apply', () => undefined);
    assert.equal(result.failedPrecondition, true);
    assert.match(result.message, /^could not read this director's network devices \(route netlink\) to check the interfaces of group "front": netlink socket: EPERM \(fix: see the agent log/);
    assert.equal(keepalived.config, undefined);
  });

  it('keepalived missing or not running is a precondition failure with the fix; the table is untouched', async () => {
    const missing = new FakeKeepalived();
    missing.isInstalled = false;
    const a = await (await rig(missing)).run(groupPlan());
    assert.equal(a.result.failedPrecondition, true);
    assert.match(a.result.message, /keepalived is not installed.*apt-get install keepalived/);
    const stopped = new FakeKeepalived();
    stopped.process = undefined;
    const r = await rig(stopped);
    const b = await r.run(groupPlan());
    assert.equal(b.result.failedPrecondition, true);
    assert.match(b.result.message, /keepalived is not running \(its configuration for group "front" is written at .*systemctl start keepalived/);
    assert.equal(configOwnership(stopped.config), 'owned');
    assert.equal((await r.ipvs.read()).services.length, 0);
    // the agent's own paths: the distribution's unit would read another file, so the fix names them
    const elsewhere = new FakeKeepalived('/srv/lb/keepalived.conf', '/srv/lb/keepalived.pid');
    elsewhere.process = undefined;
    const c = await (await rig(elsewhere)).run(groupPlan());
    assert.match(c.result.message, /\(fix: start keepalived \(keepalived -f \/srv\/lb\/keepalived\.conf -p \/srv\/lb\/keepalived\.pid \(the agent's --keepalived-config and --keepalived-pidfile: systemctl start keepalived would read \/etc\/keepalived\/keepalived\.conf and write \/run\/keepalived\.pid\)\), then run lvsctl rollout again\)/);
  });

  it('a configuration keepalived --config-test refuses is a precondition naming what keepalived said: nothing written, no reload, the table untouched', async () => {
    const keepalived = new FakeKeepalived();
    keepalived.configRefusal = "(line 12) WARNING - interface eth0 for vrrp_instance LVSCTL_front doesn't exist";
    const r = await rig(keepalived);
    for (const mode of ['check', 'apply'] as const) {
      const { result, events } = await r.run(groupPlan(), mode);
      assert.equal(result.outcome, 'failed');
      assert.equal(result.failedPrecondition, true);
      assert.match(result.message, /keepalived --config-test refuses the configuration lvsctl rendered for group "front", so \/etc\/keepalived\/keepalived\.conf is left as it is and keepalived is not reloaded: \(line 12\) WARNING - interface eth0 .*fix: correct the plan's directorGroups entry "front"/);
      assert.ok(events.some((e) => e.kind === 'step' && e.action === 'precondition' && e.status === 'failed' && e.target === '/etc/keepalived/keepalived.conf'));
    }
    assert.equal(keepalived.config, undefined);
    assert.equal(keepalived.reloads, 0);
    assert.equal((await r.ipvs.read()).services.length, 0);
    // accepted: written and reloaded; the same text again is not tested again
    keepalived.configRefusal = undefined;
    assert.equal((await r.run(groupPlan())).result.outcome, 'changed');
    assert.equal(keepalived.config, keepalived.tested.at(-1));
    const tests = keepalived.tested.length;
    assert.equal((await r.run(groupPlan(VRRP, 2))).result.outcome, 'ok');
    assert.equal(keepalived.tested.length, tests);
  });

  it('a keepalived that cannot check the configuration refuses the apply with the fix, rather than write an unchecked file', async () => {
    const keepalived = new FakeKeepalived();
    keepalived.testConfig = async () => { throw new Error('/usr/sbin/keepalived --config-test -f /state/keepalived-config-test.conf: no answer within 15000 ms; killed with SIGTERM'); };
    const r = await rig(keepalived);
    const { result } = await r.run(groupPlan());
    assert.equal(result.failedPrecondition, true);
    assert.match(result.message, /keepalived could not check the configuration for group "front" before it is written \(.*no answer within 15000 ms.*\), so \/etc\/keepalived\/keepalived\.conf is left as it is \(fix: make keepalived --config-test -f FILE run on this director/);
    assert.equal(keepalived.config, undefined);
  });

  it('a failed config write rolls the table back', async () => {
    const keepalived = new FakeKeepalived();
    keepalived.failWrite = new Error('EROFS: read-only file system');
    const r = await rig(keepalived);
    const { result } = await r.run(groupPlan());
    assert.equal(result.outcome, 'failed');
    assert.match(result.message, /EROFS.*rolled back/);
    assert.equal((await r.ipvs.read()).services.length, 0);
  });
});

describe("a director's VRRP read-back", () => {
  it('reports the notified state, STOPPED without keepalived, UNKNOWN for a line older than the process', async () => {
    const k = new FakeKeepalived();
    k.config = renderKeepalivedConfig(VRRP, k.notifyScriptPath);
    k.notified = { state: 'MASTER', instance: 'LVSCTL_front', priority: 110, atMs: 5_000 };
    assert.deepEqual(await readVrrpStatus(k, VRRP), { group: 'front', priority: 110, state: 'MASTER', since: new Date(5_000).toISOString(), configOwned: true });
    k.process = { pid: 7, startedAtMs: 60_000 };
    assert.equal((await readVrrpStatus(k, VRRP)).state, 'UNKNOWN');
    k.process = undefined;
    const stopped = await readVrrpStatus(k, VRRP);
    assert.equal(stopped.state, 'STOPPED');
    assert.match(stopped.note ?? '', /keepalived is not running/);
    k.process = { pid: 7, startedAtMs: 1_000 };
    k.config = 'hand made';
    const foreign = await readVrrpStatus(k, VRRP);
    assert.equal(foreign.configOwned, false);
    assert.match(foreign.note ?? '', /not the configuration lvsctl wrote/);
  });

  it('takes the file an apply wrote as its own when the apply kept the advertised address (a new address first in the plan)', async () => {
    const r = await rig();
    const first = { ...VRRP, addresses: ['10.0.0.100'] };
    await r.run(groupPlan(first));
    // a new address put first: the apply keeps 10.0.0.100 advertised (no advert change), as ha.md says
    const next = { ...VRRP, addresses: ['10.0.0.99', '10.0.0.100'] };
    const applied = await r.run(groupPlan(next, 2));
    assert.equal(applied.result.outcome, 'changed', applied.result.message);
    assert.equal(advertIdentity(r.keepalived.config ?? '', next)?.advertised.join(' '), '10.0.0.100/32');

    const read = await readVrrpStatus(r.keepalived, next);

    assert.equal(read.configOwned, true, read.note);
    assert.doesNotMatch(read.note ?? '', /not the configuration lvsctl wrote/);
  });
});
