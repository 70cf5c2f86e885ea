// The sorry server and the all-down policy on the wire: carried through real protobuf
// bytes, and checked again by the agent against their service.
import assert from 'assert';
import type { DirectorPlan, DirectorService, HostPlan } from '../../../lvs/host-plan';
import { WireFieldError } from '../../../lvs/wire/checks';
import { hostPlanFromWire } from '../../../lvs/wire/host-plan-decode';
import { hostPlanToWire } from '../../../lvs/wire/host-plan-encode';
import { wireMessage } from './wire-messages';
import type { HostPlan as WireHostPlan } from '../../../proto/generated/lvsctl/v1/HostPlan';
import { directorPlan } from './sample-host-plans';

const HostPlanType = wireMessage('HostPlan');

function roundTrip(plan: HostPlan): HostPlan {
  return hostPlanFromWire(HostPlanType.deserialize(HostPlanType.serialize(hostPlanToWire(plan))));
}

/** The sample director plan with its "shop" (fwmark, checked) service changed by `edit`. */
function withShop(edit: (s: DirectorService) => void): DirectorPlan {
  const plan = directorPlan();
  edit(plan.services[1]);
  return plan;
}

function refusal(plan: HostPlan): string {
  try {
    roundTrip(plan);
  } catch (err) {
    assert.ok(err instanceof WireFieldError, `expected a WireFieldError, got ${String(err)}`);
    return err.message;
  }
  assert.fail('the plan was accepted');
}

const sorry = { address: '10.0.0.50', port: 0, weight: 0, forwarding: 'dr' } as const;

describe('sorry server and allDown on the wire', () => {
  it('bring a sorry server and every allDown policy across unchanged', () => {
    for (const allDown of ['keep-last', 'quiesce'] as const) {
      const plan = withShop((s) => {
        s.sorryServer = { ...sorry };
        if (s.healthCheck) s.healthCheck.allDown = allDown;
      });
      assert.deepStrictEqual(roundTrip(plan), plan);
    }
  });

  it('leave allDown absent when the controller sent none (an older controller: keep-last)', () => {
    const plan = roundTrip(directorPlan()) as DirectorPlan;
    assert.strictEqual(plan.services[1].healthCheck?.allDown, undefined);
    assert.strictEqual('sorryServer' in plan.services[1], false);
  });

  it('refuse a sorry server on a service without a health check', () => {
    const plan = withShop((s) => { s.sorryServer = { ...sorry }; delete s.healthCheck; });
    assert.match(refusal(plan), /^services\[1\]\.sorryServer: needs a health check on the service/);
  });

  it('refuse a sorry server that is one of the realservers', () => {
    const plan = withShop((s) => { s.sorryServer = { ...sorry, address: '10.0.0.11' }; });
    assert.match(refusal(plan), /^services\[1\]\.sorryServer\.address: must not be a realserver of the service \(10\.0\.0\.11 is "web1"\)/);
  });

  it('refuse a sorry server of the other family, a weight other than 0, another forwarding or a port on a fwmark service', () => {
    assert.match(refusal(withShop((s) => { s.sorryServer = { ...sorry, address: '2001:db8::50' }; })), /sorryServer\.address: must be IPv4 like the service/);
    assert.match(refusal(withShop((s) => { s.sorryServer = { ...sorry, weight: 1 }; })), /sorryServer\.weight: must be 0 \(got 1\)/);
    assert.match(refusal(withShop((s) => { s.sorryServer = { ...sorry, forwarding: 'nat' }; })), /sorryServer\.forwarding: must be the service's forwarding, dr \(got nat\)/);
    assert.match(refusal(withShop((s) => { s.sorryServer = { ...sorry, port: 80 }; })), /sorryServer\.port: must be 0 for a firewall-mark service \(got 80\)/);
  });

  it('refuse an allDown policy number it does not know', () => {
    const wire: WireHostPlan = hostPlanToWire(directorPlan());
    const hc = wire.director?.services?.[1]?.healthCheck;
    assert.ok(hc);
    hc.allDown = 7 as unknown as 'ALL_DOWN_POLICY_QUIESCE';
    assert.throws(() => hostPlanFromWire(HostPlanType.deserialize(HostPlanType.serialize(wire))), /services\[1\]\.healthCheck\.allDown: must be one of ALL_DOWN_POLICY_KEEP_LAST, ALL_DOWN_POLICY_QUIESCE/);
  });
});
