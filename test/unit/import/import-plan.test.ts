import { strict as assert } from 'node:assert';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { DirectorPlan } from '../../../lvs/host-plan';
import { parseMangleSave } from '../../../lvs/formats/iptables-format';
import { parseIpvsSave } from '../../../lvs/formats/ipvsadm-format';
import { FLAGS_OF_SCHEDULER, FORWARDING_METHODS, SCHEDULERS, serviceKeyString, type MarkRule } from '../../../lvs/model';
import { ImportError, groupMarks, importPlan, realserverName, serviceName } from '../../../controller/import/import-plan';
import { compileHostPlans } from '../../../controller/plan/compile';
import { loadPlanFile } from '../../../controller/plan/load';
import { planSchema, type Plan, type PlanInput } from '../../../controller/plan/schema';
import { validatePlan } from '../../../controller/plan/validate';
import { renderBatchForms } from '../../../controller/render/render-plan';

const ROOT = join(__dirname, '..', '..', '..', '..');
const DIRECTOR = '10.0.0.1';

function addressesOf(plan: Plan): Map<string, string> {
  return new Map(Object.entries(plan.hosts).map(([name, h]) => [name, h.address ?? DIRECTOR]));
}

function directorOf(plan: Plan): DirectorPlan {
  const found = [...compileHostPlans(plan, addressesOf(plan), 0).values()].find((h): h is DirectorPlan => h.role === 'director');
  assert.ok(found, 'the plan has a director');
  return found;
}

/** What a director holds, in an order-free form: the comparison of two plans by meaning. */
function meaning(plan: Plan): { table: unknown[]; marks: string[] } {
  const director = directorOf(plan);
  const table = director.services
    .map((s) => ({
      key: serviceKeyString(s.service.key),
      scheduler: s.service.scheduler,
      flags: [...s.service.flags].sort(),
      persistence: s.service.persistence ?? null,
      destinations: s.realservers.map((r) => r.destination).sort((a, b) => `${a.address}:${a.port}`.localeCompare(`${b.address}:${b.port}`)),
    }))
    .sort((a, b) => a.key.localeCompare(b.key));
  const marks = [...new Set(director.marks.flatMap((m) => m.ports.map((p) => [m.mark, m.protocol, m.destination, m.inInterface ?? '', p].join('|'))))].sort();
  return { table: JSON.parse(JSON.stringify(table)) as unknown[], marks };
}

/** The round trip: render the director's batch forms, read them back as ipvsadm -S and iptables-save, import. */
function reimport(plan: Plan): Plan {
  const [director] = renderBatchForms(plan, addressesOf(plan)).filter((h) => h.role === 'director');
  const ipvs = director.batches.find((b) => b.program === 'ipvsadm -R')?.input ?? '';
  const mangle = director.batches.find((b) => b.program === 'iptables-restore --noflush')?.input ?? '';
  const imported = importPlan({ services: parseIpvsSave(ipvs), marks: parseMangleSave(mangle).owned }).plan;
  imported.hosts.director1 = { role: 'director', address: DIRECTOR };
  return planSchema.parse(imported);
}

const portSpec = fc.oneof(
  fc.integer({ min: 1, max: 65535 }).map(String),
  fc.tuple(fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 1, max: 65535 })).map(([a, b]) => `${Math.min(a, b)}:${Math.max(a, b)}`),
);

/** Plans the schema accepts, of one director and IPv4 realservers, with port and mark services. */
const randomPlan: fc.Arbitrary<Plan> = fc
  .record({
    realservers: fc.uniqueArray(fc.ipV4(), { minLength: 1, maxLength: 4 }),
    keys: fc.uniqueArray(
      fc.oneof(
        fc.record({ protocol: fc.constantFrom('tcp' as const, 'udp' as const), vip: fc.ipV4(), port: fc.integer({ min: 0, max: 65535 }) }),
        fc.record({ fwmark: fc.integer({ min: 1, max: 50 }) }),
      ),
      { selector: (k) => ('fwmark' in k ? `f${k.fwmark}` : `${k.protocol} ${k.vip}:${k.port}`), maxLength: 5 },
    ),
  })
  .chain(({ realservers, keys }) =>
    fc.tuple(
      ...keys.map((key, i) =>
        fc.record({
          scheduler: fc.constantFrom(...SCHEDULERS),
          persistence: fc.option(fc.record({ timeout: fc.integer({ min: 1, max: 86400 }) }, { noNullPrototype: true }), { nil: undefined }),
          forwarding: fc.constantFrom(...FORWARDING_METHODS),
          members: fc.subarray(realservers.map((_, j) => j)),
          weights: fc.array(fc.integer({ min: 0, max: 65535 }), { minLength: 4, maxLength: 4 }),
          natPort: fc.integer({ min: 1, max: 65535 }),
          marks: fc.array(
            fc.record({ protocol: fc.constantFrom('tcp' as const, 'udp' as const), destination: fc.ipV4(), ports: fc.array(portSpec, { minLength: 1, maxLength: 4 }), iface: fc.option(fc.constantFrom('eth0', 'eth1'), { nil: undefined }) }, { noNullPrototype: true }),
            { minLength: 1, maxLength: 3 },
          ),
        }, { noNullPrototype: true }).map((s): { service: PlanInput['services'][number]; marks: NonNullable<PlanInput['marks']> } => ({
          service: {
            name: `s${i}`,
            ...key,
            scheduler: s.scheduler,
            schedulerFlags: [...(FLAGS_OF_SCHEDULER[s.scheduler] ?? [])].slice(0, i % 3),
            ...(s.persistence ? { persistence: s.persistence } : {}),
            forwarding: s.forwarding,
            realservers: s.members.map((j) => ({
              host: `web${j}`,
              weight: s.weights[j],
              ...(s.forwarding === 'nat' && !('fwmark' in key) && key.port !== 0 ? { port: s.natPort } : {}),
            })),
          },
          marks: 'fwmark' in key ? s.marks.map((m) => ({ mark: key.fwmark, protocol: m.protocol, destination: m.destination, ports: m.ports, ...(m.iface ? { inInterface: m.iface } : {}) })) : [],
        })),
      ),
    ).map((services) =>
      planSchema.parse({
        apiVersion: 'lvsctl/v1',
        cluster: 'random',
        hosts: { lvs1: { role: 'director', address: DIRECTOR }, ...Object.fromEntries(realservers.map((a, j) => [`web${j}`, { role: 'realserver', address: a }])) },
        marks: services.flatMap((s) => s.marks),
        services: services.map((s) => s.service),
      }),
    ),
  );

describe('import', () => {
  describe('names', () => {
    it('names realservers from their address and services from their key', () => {
      assert.equal(realserverName('10.0.0.11'), 'rs-10-0-0-11');
      assert.equal(realserverName('2001:DB8::11'), 'rs-2001-db8--11');
      assert.equal(serviceName({ kind: 'tcp', vip: '10.0.0.100', port: 80 }), 'tcp-10-0-0-100-80');
      assert.equal(serviceName({ kind: 'fwmark', mark: 1, family: 'inet' }), 'fwmark-1');
    });
  });

  describe('groupMarks', () => {
    const rule = (ports: string[], inInterface?: string): MarkRule => ({ mark: 1, protocol: 'tcp', destination: '10.0.0.100', ports, ...(inInterface ? { inInterface } : {}) });

    it("joins the seed's two FTP rules (21, then 10000:12000) into one mark entry", () => {
      assert.deepEqual(groupMarks([rule(['21'], 'eth0'), rule(['10000:12000'], 'eth0')]), [{ ...rule(['21', '10000:12000'], 'eth0') }]);
    });

    it('keeps rules on different interfaces apart', () => {
      assert.equal(groupMarks([rule(['80'], 'eth0'), rule(['443'], 'eth1')]).length, 2);
    });

    it('splits where multiport would overflow (15 slots, a range counting two)', () => {
      const ports = Array.from({ length: 14 }, (_, i) => String(i + 1));
      const marks = groupMarks([rule(ports), rule(['100:200'])]);
      assert.deepEqual(marks.map((m) => m.ports.length), [14, 1]);
    });
  });

  describe('importPlan', () => {
    it('makes one placeholder director and one realserver per destination address, and says what is left to do', () => {
      const { plan, notes } = importPlan({
        services: parseIpvsSave('-A -t 10.0.0.100:80 -s rr -p 360\n-a -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 1\n-a -t 10.0.0.100:80 -r 10.0.0.12:80 -g -w 3\n-A -f 1 -s wlc\n-a -f 1 -r 10.0.0.11:0 -g -w 1\n'),
        marks: [],
        cluster: 'shop',
      });
      assert.deepEqual(Object.keys(plan.hosts), ['director1', 'rs-10-0-0-11', 'rs-10-0-0-12']);
      assert.deepEqual(plan.services[0], {
        name: 'tcp-10-0-0-100-80', protocol: 'tcp', vip: '10.0.0.100', port: 80, scheduler: 'rr', persistence: { timeout: 360 }, forwarding: 'dr',
        realservers: [{ host: 'rs-10-0-0-11' }, { host: 'rs-10-0-0-12', weight: 3 }],
      });
      assert.match(notes.join('\n'), /"director1" stands for the director/);
      assert.match(notes.join('\n'), /fwmark-1 uses firewall mark 1, but no mark rule sets it/);
    });

    it('says when the table has more services than a plan holds, and that only then', () => {
      const table = (n: number): string => Array.from({ length: n }, (_, i) => `-A -t 10.${Math.floor(i / 65536)}.${Math.floor(i / 256) % 256}.${i % 256}:80 -s rr\n`).join('');
      const over = importPlan({ services: parseIpvsSave(table(20_001)), marks: [] }).notes;
      assert.match(over.join('\n'), /the table has 20001 services and a plan holds at most 20000: lvsctl validate refuses this one; split it/);
      const at = importPlan({ services: parseIpvsSave(table(20_000)), marks: [] }).notes;
      assert.doesNotMatch(at.join('\n'), /a plan holds at most/);
    });

    it('refuses a service whose realservers mix forwarding methods, naming it', () => {
      const services = parseIpvsSave('-A -t 10.0.0.100:80 -s rr\n-a -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 1\n-a -t 10.0.0.100:80 -r 10.0.0.12:80 -m -w 1\n');
      assert.throws(() => importPlan({ services, marks: [] }), (err: unknown) => err instanceof ImportError && /tcp 10\.0\.0\.100:80 mixes forwarding methods \(10\.0\.0\.11:80 dr, 10\.0\.0\.12:80 nat\)/.test(err.message));
    });
  });

  describe('round trip: import(render batch of plan) describes the same services and marks', () => {
    const examples = readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.json'));

    it('finds the examples', () => {
      assert.ok(examples.length >= 6, examples.join(', '));
    });

    for (const file of examples) {
      it(`examples/${file}: same table and marks, and the imported plan validates`, async () => {
        const loaded = await loadPlanFile(join(ROOT, 'examples', file));
        assert.ok(loaded.ok);
        const back = reimport(loaded.plan);
        assert.deepEqual(meaning(back), meaning(loaded.plan));
        const checked = validatePlan(back);
        assert.ok(checked.ok, JSON.stringify(checked.problems));
      });
    }

    it('holds for random plans', () => {
      fc.assert(
        fc.property(randomPlan, (plan) => {
          assert.deepEqual(meaning(reimport(plan)), meaning(plan));
        }),
        { numRuns: 200 },
      );
    });

    it('tells plans apart (the comparison can fail)', async () => {
      const loaded = await loadPlanFile(join(ROOT, 'examples', 'nat.json'));
      assert.ok(loaded.ok);
      const changed = planSchema.parse({ ...loaded.plan, services: [{ ...loaded.plan.services[0], scheduler: 'rr' }] });
      assert.notDeepEqual(meaning(reimport(changed)), meaning(loaded.plan));
    });
  });
});
