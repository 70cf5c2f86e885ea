import assert from 'assert';
import { compileHostPlans, parseDurationMs } from '../../../controller/plan/compile';
import { planSchema, type PlanInput } from '../../../controller/plan/schema';
import type { DirectorPlan, RealserverPlan } from '../../../lvs/host-plan';

const input: PlanInput = {
  apiVersion: 'lvsctl/v1',
  cluster: 'shop',
  hosts: {
    lvs1: { role: 'director', address: '10.0.0.1' },
    web1: { role: 'realserver', address: '10.0.0.11', ftp: { server: 'vsftpd', config: '/etc/vsftpd.conf' } },
    web2: { role: 'realserver', address: '10.0.0.12' },
  },
  marks: [
    { mark: 1, protocol: 'tcp', destination: '10.0.0.100', ports: ['80', '443'], inInterface: 'eth0' },
    { mark: 2, protocol: 'tcp', destination: '10.0.0.101', ports: ['21', '10000:12000'] },
  ],
  services: [
    {
      name: 'all-ports', vip: '10.0.0.100', port: 0, scheduler: 'rr', persistence: { timeout: 360 },
      realservers: [{ host: 'web1' }, { host: 'web2', weight: 2 }],
    },
    {
      name: 'shop', fwmark: 1, persistence: { timeout: 360 },
      healthCheck: { type: 'http', path: '/health', interval: '2s' },
      realservers: [{ host: 'web1' }, { host: 'web2' }],
    },
    {
      name: 'ftp', fwmark: 2, persistence: { timeout: 360 }, ftp: { controlPort: 21, passivePorts: '10000:12000' },
      realservers: [{ host: 'web1' }],
    },
  ],
};

const addresses = new Map([['lvs1', '10.0.0.1'], ['web1', '10.0.0.11'], ['web2', '10.0.0.12']]);

describe('compiling a plan into host plans', () => {
  const plans = compileHostPlans(planSchema.parse(input), addresses, 42);

  it('gives every host of the plan exactly one host plan with the rollout generation', () => {
    assert.deepStrictEqual([...plans.keys()].sort(), ['lvs1', 'web1', 'web2']);
    for (const p of plans.values()) assert.strictEqual(p.generation, 42);
  });

  it('gives the director every service with resolved destinations and plan defaults filled in', () => {
    const director = plans.get('lvs1') as DirectorPlan;
    assert.strictEqual(director.role, 'director');
    const pcc = director.services[0];
    assert.deepStrictEqual(pcc.service, {
      key: { kind: 'tcp', vip: '10.0.0.100', port: 0 }, scheduler: 'rr', flags: [], persistence: { timeout: 360 },
    });
    assert.deepStrictEqual(pcc.realservers.map((r) => r.destination), [
      { address: '10.0.0.11', port: 0, weight: 1, forwarding: 'dr' },
      { address: '10.0.0.12', port: 0, weight: 2, forwarding: 'dr' },
    ]);
    assert.strictEqual(director.services[1].service.scheduler, 'wlc', 'wlc is the default scheduler, as in ipvsadm');
    assert.deepStrictEqual(director.services[1].service.key, { kind: 'fwmark', mark: 1, family: 'inet' });
  });

  it('turns a health check into milliseconds with its defaults', () => {
    const director = plans.get('lvs1') as DirectorPlan;
    assert.deepStrictEqual(director.services[1].healthCheck, {
      type: 'http', port: 80, path: '/health', expectStatus: 0, intervalMs: 2000, timeoutMs: 500, fall: 3, rise: 2,
    });
  });

  it('gives the director one mark rule per marks entry, port lists kept', () => {
    const director = plans.get('lvs1') as DirectorPlan;
    assert.deepStrictEqual(director.marks, [
      { mark: 1, protocol: 'tcp', destination: '10.0.0.100', ports: ['80', '443'], inInterface: 'eth0' },
      { mark: 2, protocol: 'tcp', destination: '10.0.0.101', ports: ['21', '10000:12000'] },
    ]);
  });

  it('tells a realserver the VIPs of each of its services: the vip, or the mark rules\' destinations', () => {
    const web1 = plans.get('web1') as RealserverPlan;
    assert.deepStrictEqual(web1.duties.map((d) => [d.service, d.vips]), [
      ['all-ports', ['10.0.0.100']],
      ['shop', ['10.0.0.100']],
      ['ftp', ['10.0.0.101']],
    ]);
    assert.strictEqual(web1.duties[2].ftpPassivePorts, '10000:12000');
    assert.deepStrictEqual(web1.ftp, { server: 'vsftpd', config: '/etc/vsftpd.conf' });
    const web2 = plans.get('web2') as RealserverPlan;
    assert.deepStrictEqual(web2.duties.map((d) => d.service), ['all-ports', 'shop'], 'web2 is not in the ftp service');
    // all-ports is DR: no route through a director to check
    assert.deepStrictEqual(web2.duties[0].directors, []);
  });

  it('reads durations in ms, s and m', () => {
    assert.strictEqual(parseDurationMs('500ms'), 500);
    assert.strictEqual(parseDurationMs('1s'), 1000);
    assert.strictEqual(parseDurationMs('2m'), 120000);
    assert.throws(() => parseDurationMs('1h'), /not a duration/);
  });
});
