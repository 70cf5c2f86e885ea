// The agent has keepalived itself check a group's configuration (keepalived --config-test)
// before the file is written, here with this machine's keepalived in a network namespace of
// the test's own (its interfaces are what keepalived checks against). Without keepalived or
// unshare the suite says so loudly and skips; in CI (CI=true, scripts/install-deps.sh installs
// keepalived) that is a failure.
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createDirectorApplier } from '../../agent/director/applier';
import { renderKeepalivedConfig } from '../../agent/director/keepalived-config';
import { FakeIpvs } from '../../agent/kernel/fake/ipvs';
import { FakeMarks } from '../../agent/kernel/fake/marks';
import { IpvsWriter } from '../../agent/kernel/ipvs-writer';
import { createLinuxKeepalived } from '../../agent/kernel/linux/keepalived';
import { silentLogger } from '../../agent/logging';
import type { ApplyEvent } from '../../lvs/apply-events';
import type { DirectorPlan } from '../../lvs/host-plan';
import type { VrrpPlan } from '../../lvs/vrrp';
import { dest, directorPlan, fwmark, markRule, service, table } from '../unit/director/builders';
import { tempDir } from '../temp-dirs';
import { openThrowawayNetns, type ThrowawayNetns } from './support/throwaway-netns';

const VRRP: VrrpPlan = {
  group: 'front', interface: 'eth0', virtualRouterId: 51, priority: 110, advertIntervalSeconds: 1, authPassword: 'secret',
  addresses: ['10.0.0.100', '2001:db8::100'], preempt: true, syncInterface: 'eth0', syncId: 51, takeOverConfig: false,
};

function keepalivedBinary(): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(':').filter(Boolean), '/usr/sbin', '/sbin']) {
    if (existsSync(join(dir, 'keepalived'))) return join(dir, 'keepalived');
  }
  return undefined;
}

describe("keepalived --config-test of the group's configuration, with this machine's keepalived", function () {
  this.timeout(60_000);
  let netns: ThrowawayNetns;

  before(async function () {
    let why = keepalivedBinary() === undefined ? 'keepalived is not installed' : undefined;
    if (why === undefined) {
      const opening = await openThrowawayNetns();
      if (opening.ok) {
        try {
          // a device as a director has one; the namespace starts with only lo
          await opening.netns.exec('ip', ['link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0-peer']);
          netns = opening.netns;
        } catch (error) {
          opening.netns.close();
          why = `cannot make eth0 there: ${error instanceof Error ? error.message : String(error)}`;
        }
      } else {
        why = opening.why;
      }
    }
    if (why === undefined) return;
    const message = `the keepalived --config-test tests need keepalived and a network namespace of their own (unshare --net, as root): ${why}`;
    if (process.env.CI === 'true') throw new Error(`${message} (CI=true: a missing capability is a failure)`);
    console.warn(`\n  *** SKIPPED: ${message}\n  *** run as root with keepalived installed (scripts/install-deps.sh) to run them\n`);
    this.skip();
  });

  after(() => netns?.close());

  async function door() {
    const stateDir = await tempDir('lvsctl-keepalived-test-');
    const keepalived = createLinuxKeepalived({ configPath: join(stateDir, 'keepalived.conf'), pidFile: join(stateDir, 'none.pid'), stateDir, exec: netns.exec });
    return { stateDir, keepalived };
  }

  it('accepts the configuration the agent renders for a group on a device the director has, and leaves no copy behind', async () => {
    const { stateDir, keepalived } = await door();
    assert.equal(await keepalived.testConfig(renderKeepalivedConfig(VRRP, keepalived.notifyScriptPath)), undefined);
    assert.deepEqual(readdirSync(stateDir), []);
  });

  it('accepts a group that moves only IPv6 addresses (an IPv6 instance, VRRPv3, without authentication)', async () => {
    const { keepalived } = await door();
    const v6Only: VrrpPlan = { ...VRRP, addresses: ['2001:db8::100'] };
    delete v6Only.authPassword;
    assert.equal(await keepalived.testConfig(renderKeepalivedConfig(v6Only, keepalived.notifyScriptPath)), undefined);
  });

  it("says what keepalived says against a file (VRRP on the loopback device), at the file's own line numbers, without the copy's name", async () => {
    const { stateDir, keepalived } = await door();
    const complaint = await keepalived.testConfig(renderKeepalivedConfig({ ...VRRP, interface: 'lo' }, keepalived.notifyScriptPath));
    assert.match(complaint ?? '', /\(line 11\) \(LVSCTL_front\) cannot use a loopback interface \(lo\) for vrrp/);
    assert.doesNotMatch(complaint ?? '', /keepalived-config-test\.conf/);
    assert.deepEqual(readdirSync(stateDir), []);
    assert.match(await keepalived.testConfig('vrrp_instance x {\n  garbage\n}\n') ?? '', /\(line 2\) Unknown keyword 'garbage'/);
  });

  it('a director apply whose group keepalived refuses fails as a precondition with keepalived\'s words: no file written, the table untouched', async () => {
    const { stateDir, keepalived } = await door();
    const ipvs = new FakeIpvs();
    const applier = createDirectorApplier({
      stateDir, logger: silentLogger(),
      kernel: { ipvs: new IpvsWriter(ipvs), marks: new FakeMarks(), keepalived, interfaces: async () => [{ name: 'lo', linkType: 'loopback', up: true, addresses: [] }] },
    });
    const plan: DirectorPlan = { ...directorPlan(table([service(fwmark(1)), [dest('10.0.0.11')]]), [markRule(1, ['80'])], 1), vrrp: { ...VRRP, interface: 'lo', syncInterface: 'lo' } };
    const events: ApplyEvent[] = [];
    const result = await applier.apply(plan, 'apply', (e) => events.push(e));
    assert.equal(result.outcome, 'failed');
    assert.equal(result.failedPrecondition, true);
    assert.match(result.message, /keepalived --config-test refuses the configuration lvsctl rendered for group "front", so .*keepalived\.conf is left as it is and keepalived is not reloaded: \(line 11\) \(LVSCTL_front\) cannot use a loopback interface \(lo\) for vrrp/);
    assert.equal(existsSync(keepalived.configPath), false);
    assert.equal((await ipvs.read()).services.length, 0);
  });
});
