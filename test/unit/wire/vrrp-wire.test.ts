import { strict as assert } from 'node:assert';
import { createAgentMetrics } from '../../../agent/metrics/agent-metrics';
import { pageText } from '../metrics/page-text';
import type { DirectorPlan } from '../../../lvs/host-plan';
import type { VrrpStatus } from '../../../lvs/vrrp';
import { WireFieldError } from '../../../lvs/wire/checks';
import { hostPlanFromWire } from '../../../lvs/wire/host-plan-decode';
import { hostPlanToWire } from '../../../lvs/wire/host-plan-encode';
import { statusReplyFromWire, statusReplyToWire } from '../../../lvs/wire/status-encode';
import type { HostPlan as WireHostPlan } from '../../../proto/generated/lvsctl/v1/HostPlan';
import { directorPlan } from './sample-host-plans';
import { wireMessage } from './wire-messages';

const proto = { HostPlan: wireMessage('HostPlan'), StatusReply: wireMessage('StatusReply') };
const across = (wire: WireHostPlan) => proto.HostPlan.deserialize(proto.HostPlan.serialize(wire));

const grouped = (): DirectorPlan => ({
  ...(directorPlan() as DirectorPlan),
  vrrp: {
    group: 'front', interface: 'eth0', virtualRouterId: 51, priority: 110, advertIntervalSeconds: 1, authPassword: 'pw',
    addresses: ['10.0.0.100', '10.0.0.254'], preempt: false, syncInterface: 'eth1', syncId: 7, takeOverConfig: true,
  },
});

describe('VRRP on the wire', () => {
  it('a grouped director plan crosses unchanged; a plan without vrrp stays without', () => {
    assert.deepEqual(hostPlanFromWire(across(hostPlanToWire(grouped()))), grouped());
    assert.equal((hostPlanFromWire(across(hostPlanToWire(directorPlan()))) as DirectorPlan).vrrp, undefined);
  });

  it('refuses a bad priority or interface, naming the field', () => {
    const wire = hostPlanToWire(grouped());
    (wire.director as { vrrp: { priority: number } }).vrrp.priority = 255;
    assert.throws(() => hostPlanFromWire(across(wire)), (e: unknown) => e instanceof WireFieldError && /vrrp\.priority/.test(e.message));
    const bad = hostPlanToWire(grouped());
    (bad.director as { vrrp: { interface: string } }).vrrp.interface = 'eth0; reboot';
    assert.throws(() => hostPlanFromWire(across(bad)), (e: unknown) => e instanceof WireFieldError && /vrrp\.interface/.test(e.message));
  });

  it('refuses a password keepalived.conf would not carry as one word ({ } " # ! $), naming the field', () => {
    for (const password of ['pa}ss', 'a{b', 'a"b', 'x#y', 'x!y', '$HOME']) {
      const wire = hostPlanToWire(grouped());
      (wire.director as { vrrp: { authPassword: string } }).vrrp.authPassword = password;
      assert.throws(() => hostPlanFromWire(across(wire)), (e: unknown) => e instanceof WireFieldError && /vrrp\.authPassword/.test(e.message), password);
    }
  });

  it('carries the NAT gateway\'s own interface, and refuses one half of it or a gateway that does not move', () => {
    const twoArmed: DirectorPlan = { ...grouped(), vrrp: { ...grouped().vrrp!, natGatewayOn: { address: '10.0.0.254', interface: 'eth1' } } };
    assert.deepEqual(hostPlanFromWire(across(hostPlanToWire(twoArmed))), twoArmed);
    const half = hostPlanToWire(twoArmed);
    (half.director as { vrrp: { natGatewayInterface: string } }).vrrp.natGatewayInterface = '';
    assert.throws(() => hostPlanFromWire(across(half)), (e: unknown) => e instanceof WireFieldError && /vrrp\.natGatewayInterface: must be given with natGateway/.test(e.message));
    const stray = hostPlanToWire(twoArmed);
    (stray.director as { vrrp: { natGateway: string } }).vrrp.natGateway = '10.9.9.9';
    assert.throws(() => hostPlanFromWire(across(stray)), (e: unknown) => e instanceof WireFieldError && /vrrp\.natGateway: must be one of the addresses/.test(e.message));
  });

  it('takes an address given twice, however spelt, once (the first spelling), as an older controller sent it', () => {
    const wire = hostPlanToWire(grouped());
    (wire.director as { vrrp: { addresses: string[] } }).vrrp.addresses = ['10.0.0.100', '2001:db8::1', '2001:DB8:0::1', '10.0.0.100'];
    assert.deepEqual((hostPlanFromWire(across(wire)) as DirectorPlan).vrrp?.addresses, ['10.0.0.100', '2001:db8::1']);
  });

  it('Status carries the VRRP state across', () => {
    const vrrp: VrrpStatus = { group: 'front', state: 'BACKUP', since: '2026-01-01T00:00:00.000Z', priority: 100, configOwned: true };
    const reply = proto.StatusReply.deserialize(proto.StatusReply.serialize(statusReplyToWire('lvs2', [], vrrp)));
    assert.deepEqual(statusReplyFromWire(reply).vrrp, vrrp);
    assert.equal(statusReplyFromWire(proto.StatusReply.deserialize(proto.StatusReply.serialize(statusReplyToWire('lvs2', [])))).vrrp, undefined);
  });

  it('metrics: lvsctl_vrrp_state is 1 for the current state only', async () => {
    const metrics = createAgentMetrics();
    metrics.readVrrpFrom({ read: async () => ({ group: 'front', state: 'MASTER', priority: 110, configOwned: true }) });
    const text = await pageText(metrics);
    assert.match(text, /lvsctl_vrrp_state\{group="front",state="MASTER"\} 1/);
    assert.match(text, /lvsctl_vrrp_state\{group="front",state="BACKUP"\} 0/);
  });
});
