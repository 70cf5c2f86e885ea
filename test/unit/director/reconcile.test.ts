import { strict as assert } from 'node:assert';
import { reconcileIpvs, reconcileMarks, ownedSetOf } from '../../../agent/director/reconcile';
import type { IpvsOperation } from '../../../lvs/operations';
import { NO_MARKS } from '../../../lvs/mark-state';
import { serviceKeyString, type IpvsService, type ServiceKey } from '../../../lvs/model';
import { dest, fwmark, markRule, service, table, tcp } from './builders';

/** "add-service tcp 10.0.0.100:80", "edit-destination tcp 10.0.0.100:80 -> 10.0.0.11:80": what a reader checks. */
function summary(ops: IpvsOperation[]): string[] {
  return ops.map((op) => {
    if ('service' in op) return `${op.op} ${serviceKeyString(op.service.key)}`;
    return `${op.op} ${serviceKeyString(op.key)} -> ${op.destination.address}:${op.destination.port}`;
  });
}

interface Case {
  name: string;
  desired: IpvsService[];
  actual: IpvsService[];
  owned: ServiceKey[];
  ops: string[];
  unmanaged?: string[];
  adopted?: string[];
}

const web = service(tcp(80));
const cases: Case[] = [
  {
    name: 'adds a new service, then its destinations',
    desired: table([web, [dest('10.0.0.11'), dest('10.0.0.12')]]),
    actual: [],
    owned: [],
    ops: ['add-service tcp 10.0.0.100:80', 'add-destination tcp 10.0.0.100:80 -> 10.0.0.11:80', 'add-destination tcp 10.0.0.100:80 -> 10.0.0.12:80'],
  },
  {
    name: 'changes the scheduler in place (-E), never delete + add',
    desired: table([service(tcp(80), { scheduler: 'wlc' }), [dest('10.0.0.11')]]),
    actual: table([web, [dest('10.0.0.11')]]),
    owned: [tcp(80)],
    ops: ['edit-service tcp 10.0.0.100:80'],
  },
  {
    name: 'adds persistence in place (-E), so connections and templates survive',
    desired: table([service(tcp(80), { persistence: { timeout: 360 } }), [dest('10.0.0.11')]]),
    actual: table([web, [dest('10.0.0.11')]]),
    owned: [tcp(80)],
    ops: ['edit-service tcp 10.0.0.100:80'],
  },
  {
    name: 'changes scheduler flags in place',
    desired: table([service(tcp(80), { scheduler: 'sh', flags: ['sh-port'] }), []]),
    actual: table([service(tcp(80), { scheduler: 'sh' }), []]),
    owned: [tcp(80)],
    ops: ['edit-service tcp 10.0.0.100:80'],
  },
  {
    name: 'changes a weight in place (-e)',
    desired: table([web, [dest('10.0.0.11', { weight: 3 })]]),
    actual: table([web, [dest('10.0.0.11')]]),
    owned: [tcp(80)],
    ops: ['edit-destination tcp 10.0.0.100:80 -> 10.0.0.11:80'],
  },
  {
    name: 'changes the forwarding method in place (-e takes -g/-m/-i)',
    desired: table([web, [dest('10.0.0.11', { forwarding: 'nat' })]]),
    actual: table([web, [dest('10.0.0.11')]]),
    owned: [tcp(80)],
    ops: ['edit-destination tcp 10.0.0.100:80 -> 10.0.0.11:80'],
  },
  {
    name: 'deletes an owned service that left the plan',
    desired: [],
    actual: table([web, [dest('10.0.0.11')]]),
    owned: [tcp(80)],
    ops: ['delete-service tcp 10.0.0.100:80'],
  },
  {
    name: 'deletes a destination the plan no longer lists from an owned service',
    desired: table([web, [dest('10.0.0.11')]]),
    actual: table([web, [dest('10.0.0.11'), dest('10.0.0.12')]]),
    owned: [tcp(80)],
    ops: ['delete-destination tcp 10.0.0.100:80 -> 10.0.0.12:80'],
  },
  {
    name: 'leaves a service it does not own and the plan does not list alone, and reports it',
    desired: [],
    actual: table([service(tcp(8080)), [dest('10.0.0.11')]]),
    owned: [],
    ops: [],
    unmanaged: ['tcp 10.0.0.100:8080'],
  },
  {
    name: 'adopts a planned service that already exists without being owned',
    desired: table([web, [dest('10.0.0.11', { weight: 2 })]]),
    actual: table([web, [dest('10.0.0.11')]]),
    owned: [],
    ops: ['edit-destination tcp 10.0.0.100:80 -> 10.0.0.11:80'],
    adopted: ['tcp 10.0.0.100:80'],
  },
  {
    name: 'changes nothing when the kernel already holds the plan (destination order aside)',
    desired: table([service(tcp(80), { flags: ['sh-port', 'sh-fallback'] }), [dest('10.0.0.12'), dest('10.0.0.11')]]),
    actual: table([service(tcp(80), { flags: ['sh-fallback', 'sh-port'] }), [dest('10.0.0.11'), dest('10.0.0.12')]]),
    owned: [tcp(80)],
    ops: [],
  },
  {
    name: 'treats a fwmark service as its own key, apart from port services',
    desired: table([service(fwmark(1), { persistence: { timeout: 360 } }), [dest('10.0.0.11', { port: 0 })]]),
    actual: table([web, []]),
    owned: [tcp(80)],
    ops: ['add-service fwmark 1', 'add-destination fwmark 1 -> 10.0.0.11:0', 'delete-service tcp 10.0.0.100:80'],
  },
  {
    name: 'orders: service adds before their destinations, destination changes before service deletes',
    desired: table([service(tcp(443)), [dest('10.0.0.11', { port: 443 })]], [web, [dest('10.0.0.12')]]),
    actual: table([web, [dest('10.0.0.11')]], [service(tcp(25)), [dest('10.0.0.11', { port: 25 })]]),
    owned: [tcp(80), tcp(25)],
    ops: [
      'add-service tcp 10.0.0.100:443',
      'add-destination tcp 10.0.0.100:443 -> 10.0.0.11:443',
      'add-destination tcp 10.0.0.100:80 -> 10.0.0.12:80',
      'delete-destination tcp 10.0.0.100:80 -> 10.0.0.11:80',
      'delete-service tcp 10.0.0.100:25',
    ],
  },
];

describe('reconcileIpvs: desired vs. actual vs. owned', () => {
  for (const c of cases) {
    it(c.name, () => {
      const result = reconcileIpvs(c.desired, c.actual, ownedSetOf(c.owned));
      assert.deepEqual(summary(result.ops), c.ops);
      assert.deepEqual(result.unmanaged.map(serviceKeyString), c.unmanaged ?? []);
      assert.deepEqual(result.adopted.map(serviceKeyString), c.adopted ?? []);
    });
  }

  it('carries the previous settings in an edit, for the step message and the undo', () => {
    const before = service(tcp(80));
    const after = service(tcp(80), { scheduler: 'wlc' });
    const { ops } = reconcileIpvs(table([after, []]), table([before, []]), ownedSetOf([tcp(80)]));
    assert.deepEqual(ops, [{ op: 'edit-service', service: after, before }]);
  });
});

describe('reconcileMarks: the owned chain vs. the plan', () => {
  const rules = [markRule(1, ['80', '443']), markRule(3, ['21'])];
  const inKernel = { ...NO_MARKS, chainExists: true, jumpPresent: true, jumpCount: 1, owned: rules };

  it('creates the chain when the plan has rules and the chain is missing', () => {
    assert.equal(reconcileMarks(rules, NO_MARKS).action, 'replace');
  });
  it('changes nothing when the chain holds the planned rules (iptables-save writes /32)', () => {
    const saved = rules.map((r) => ({ ...r, destination: `${r.destination}/32` }));
    assert.equal(reconcileMarks(rules, { ...inKernel, owned: saved }).action, 'none');
  });
  it('replaces the chain when the rule order differs: the last matching MARK wins', () => {
    assert.equal(reconcileMarks([...rules].reverse(), inKernel).action, 'replace');
  });
  it('replaces the chain when the jump from PREROUTING is missing', () => {
    const result = reconcileMarks(rules, { ...inKernel, jumpPresent: false, jumpCount: 0 });
    assert.equal(result.action, 'replace');
    assert.match(result.reason, /jump/);
  });
  it('replaces the chain when PREROUTING jumps to it twice, saying so', () => {
    const result = reconcileMarks(rules, { ...inKernel, jumpCount: 2 });
    assert.equal(result.action, 'replace');
    assert.match(result.reason, /jumps to the owned chain 2 times/);
  });
  it('removes the chain when only a jump is left (no rules planned)', () => {
    assert.equal(reconcileMarks([], { ...NO_MARKS, jumpPresent: true, jumpCount: 1 }).action, 'remove');
  });
  it('replaces the chain when it holds a rule lvsctl did not write', () => {
    assert.equal(reconcileMarks(rules, { ...inKernel, unparsed: ['-A LVSCTL-MARK -j ACCEPT'] }).action, 'replace');
  });
  it('removes the owned chain when the plan has no rules', () => {
    assert.equal(reconcileMarks([], inKernel).action, 'remove');
  });
  it('does nothing with no rules planned and no chain, whatever foreign rules exist', () => {
    assert.equal(reconcileMarks([], { ...NO_MARKS, foreign: [markRule(9, ['8443'])] }).action, 'none');
  });
});
