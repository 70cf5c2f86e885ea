import assert from 'assert';
import type { HostPlan } from '../../../lvs/host-plan';
import { WireFieldError } from '../../../lvs/wire/checks';
import { hostPlanFromWire } from '../../../lvs/wire/host-plan-decode';
import { hostPlanToWire } from '../../../lvs/wire/host-plan-encode';
import { wireMessage } from './wire-messages';
import type { HostPlan as WireHostPlan, HostPlan__Output } from '../../../proto/generated/lvsctl/v1/HostPlan';
import { directorPlan, realserverPlan } from './sample-host-plans';

const HostPlanType = wireMessage('HostPlan');

/** Through real protobuf bytes, as the agent receives it. */
function overTheWire(wire: WireHostPlan): HostPlan__Output {
  return HostPlanType.deserialize(HostPlanType.serialize(wire));
}

function refusal(wire: WireHostPlan): string {
  try {
    hostPlanFromWire(overTheWire(wire));
  } catch (err) {
    assert.ok(err instanceof WireFieldError, `expected a WireFieldError, got ${String(err)}`);
    return err.message;
  }
  assert.fail('the plan was accepted');
}

/** The director plan's wire form, changed by `edit` (which may mutate it freely). */
function editedDirector(edit: (w: Required<Pick<WireHostPlan, 'director'>>['director'] & object) => void): WireHostPlan {
  const wire = hostPlanToWire(directorPlan());
  edit(wire.director as NonNullable<WireHostPlan['director']>);
  return wire;
}

describe('host plans on the wire', () => {
  it('bring a director plan across unchanged', () => {
    const plan = directorPlan();
    assert.deepStrictEqual(hostPlanFromWire(overTheWire(hostPlanToWire(plan))), plan);
  });

  it('bring a realserver plan across unchanged', () => {
    const plan = realserverPlan();
    assert.deepStrictEqual(hostPlanFromWire(overTheWire(hostPlanToWire(plan))), plan);
  });

  it('keep a generation beyond 32 bits exact', () => {
    const plan = directorPlan(2 ** 40 + 3);
    assert.strictEqual(hostPlanFromWire(overTheWire(hostPlanToWire(plan))).generation, 2 ** 40 + 3);
  });

  it('refuse a plan that is neither a director nor a realserver plan', () => {
    assert.match(refusal({ cluster: 'shop', host: 'lvs1', generation: '1' }), /^role: is missing/);
  });

  it('refuse a missing plan', () => {
    assert.throws(() => hostPlanFromWire(null), /^Error: plan: is missing/);
  });
});

describe('validation of an untrusted director plan', () => {
  it('names the field of a weight out of range', () => {
    const wire = editedDirector((d) => {
      d.services![0].realservers![1].destination!.weight = 70000;
    });
    assert.strictEqual(refusal(wire), 'services[0].realservers[1].destination.weight: must be 0..65535');
  });

  it('refuses a VIP that is not an address', () => {
    const wire = editedDirector((d) => {
      d.services![0].service!.key!.port!.vip = '10.0.0.300';
    });
    assert.match(refusal(wire), /^services\[0\]\.service\.key\.port\.vip: must be an IPv4 or IPv6 address/);
  });

  it('refuses an unknown scheduler and lists the known ones', () => {
    const wire = editedDirector((d) => {
      d.services![1].service!.scheduler = 'random';
    });
    assert.match(refusal(wire), /^services\[1\]\.service\.scheduler: must be one of rr, wrr, lc, wlc/);
  });

  it('refuses a scheduler flag its scheduler does not take', () => {
    const wire = editedDirector((d) => {
      d.services![1].service!.flags = ['mh-port'];
    });
    assert.strictEqual(refusal(wire), 'services[1].service.flags[0]: is not a flag of scheduler "sh"');
  });

  it('refuses a port-0 service without persistence', () => {
    const wire = editedDirector((d) => {
      d.services![0].service!.persistence = null;
    });
    assert.match(refusal(wire), /^services\[0\]\.service\.persistence: is required for a port-0 service/);
  });

  it('refuses an enum value it does not know', () => {
    const wire = editedDirector((d) => {
      d.services![2].realservers![0].destination!.forwarding = 9 as unknown as 'FORWARDING_DR';
    });
    assert.match(refusal(wire), /^services\[2\]\.realservers\[0\]\.destination\.forwarding: must be one of FORWARDING_DR, FORWARDING_NAT, FORWARDING_TUN/);
  });

  it('refuses an unspecified protocol', () => {
    const wire = editedDirector((d) => {
      d.marks![0].protocol = 'PROTOCOL_UNSPECIFIED';
    });
    assert.match(refusal(wire), /^marks\[0\]\.protocol: must be one of PROTOCOL_TCP, PROTOCOL_UDP/);
  });

  it('refuses a reversed port range in a mark rule', () => {
    const wire = editedDirector((d) => {
      d.marks![1].ports = ['21', '12000:10000'];
    });
    assert.match(refusal(wire), /^marks\[1\]\.ports\[1\]: must be a port "N" or a range "N:M"/);
  });

  it('refuses more than 15 ports in one mark rule', () => {
    const wire = editedDirector((d) => {
      d.marks![0].ports = Array.from({ length: 16 }, (_, i) => String(1000 + i));
    });
    assert.strictEqual(refusal(wire), 'marks[0].ports: must have at most 15 entries (has 16)');
  });

  it('refuses more than 20000 services without reading them', () => {
    const wire = editedDirector((d) => {
      d.services = Array.from({ length: 20001 }, () => ({}));
    });
    assert.strictEqual(refusal(wire), 'services: must have at most 20000 entries (has 20001)');
  });

  it('refuses more than 1000 realservers in one service', () => {
    const wire = editedDirector((d) => {
      const one = d.services![2].realservers![0];
      d.services![2].realservers = Array.from({ length: 1001 }, () => one);
    });
    assert.strictEqual(refusal(wire), 'services[2].realservers: must have at most 1000 entries (has 1001)');
  });

  it('refuses an overlong service name', () => {
    const wire = editedDirector((d) => {
      d.services![0].name = 'x'.repeat(65);
    });
    assert.strictEqual(refusal(wire), 'services[0].name: must have at most 64 characters (has 65)');
  });

  it('refuses an interface name with a shell metacharacter', () => {
    const wire = editedDirector((d) => {
      d.marks![0].inInterface = 'eth0;reboot';
    });
    assert.match(refusal(wire), /^marks\[0\]\.inInterface: must be an interface name/);
  });

  it('refuses an http health check path that does not start with a slash', () => {
    const wire = editedDirector((d) => {
      d.services![1].healthCheck!.path = 'health';
    });
    assert.match(refusal(wire), /^services\[1\]\.healthCheck\.path: must be a URL path starting with "\/"/);
  });
});

describe('validation of an untrusted realserver plan', () => {
  function editedRealserver(edit: (r: NonNullable<WireHostPlan['realserver']>) => void): WireHostPlan {
    const wire = hostPlanToWire(realserverPlan());
    edit(wire.realserver as NonNullable<WireHostPlan['realserver']>);
    return wire;
  }

  it('refuses a duty without a VIP', () => {
    assert.strictEqual(refusal(editedRealserver((r) => { r.duties![0].vips = []; })), 'duties[0].vips: must have at least 1 entry');
  });

  it('refuses a passive range that is a single port', () => {
    assert.match(refusal(editedRealserver((r) => { r.duties![1].ftpPassivePorts = '10000'; })), /^duties\[1\]\.ftpPassivePorts: must be a port range "N:M"/);
  });

  it('refuses a relative FTP config path', () => {
    assert.match(refusal(editedRealserver((r) => { r.ftp!.config = 'etc/vsftpd.conf'; })), /^ftp\.config: must be an absolute path/);
  });

  it('refuses a host name that is not one', () => {
    const wire = hostPlanToWire(realserverPlan());
    wire.host = '../../etc';
    assert.match(refusal(wire), /^host: must be a host name/);
  });
});
