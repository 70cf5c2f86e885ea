import { strict as assert } from 'node:assert';
import { silentLogger } from '../../../agent/logging';
import { IpvsWriter } from '../../../agent/kernel/ipvs-writer';
import { promises as fs } from 'node:fs';
import type { ApplyEvent, ApplyMode, ResultEvent } from '../../../lvs/apply-events';
import { createDirectorApplier } from '../../../agent/director/applier';
import type { HostPlan } from '../../../lvs/host-plan';
import { FakeIpvs } from '../../../agent/kernel/fake/ipvs';
import { FakeMarks } from '../../../agent/kernel/fake/marks';
import type { DirectorPreconditions } from '../../../agent/kernel/preconditions';
import { readOwnership, ownershipFilePath } from '../../../agent/state/ownership';
import { dest, directorPlan, fwmark, markRule, service, table, tcp } from './builders';
import { tempDir } from '../../temp-dirs';

const silent = silentLogger();

interface Rig {
  ipvs: FakeIpvs;
  marks: FakeMarks;
  stateDir: string;
  run(plan: HostPlan, mode?: ApplyMode): Promise<{ result: ResultEvent; events: ApplyEvent[] }>;
}

async function rig(init: { ipvs?: FakeIpvs; marks?: FakeMarks; preconditions?: DirectorPreconditions } = {}): Promise<Rig> {
  const stateDir = await tempDir('lvsctl-director-');
  const ipvs = init.ipvs ?? new FakeIpvs();
  const marks = init.marks ?? new FakeMarks();
  const applier = createDirectorApplier({
    stateDir,
    logger: silent,
    kernel: { ipvs: new IpvsWriter(ipvs), marks, ...(init.preconditions ? { preconditions: init.preconditions } : {}) },
  });
  return {
    ipvs,
    marks,
    stateDir,
    async run(plan, mode = 'apply') {
      const events: ApplyEvent[] = [];
      const result = await applier.apply(plan, mode, (e) => events.push(e));
      return { result, events };
    },
  };
}

const notices = (events: ApplyEvent[]) => events.flatMap((e) => (e.kind === 'notice' ? [e.message] : []));
const steps = (events: ApplyEvent[]) => events.flatMap((e) => (e.kind === 'step' ? [e] : []));

// The seed's shop: fwmark 1 on 80,443 with persistence, two DR realservers; and a port-80 service.
const shop = directorPlan(
  table(
    [service(fwmark(1), { persistence: { timeout: 360 } }), [dest('10.0.0.11', { port: 0 }), dest('10.0.0.12', { port: 0 })]],
    [service(tcp(80)), [dest('10.0.0.11'), dest('10.0.0.12')]],
  ),
  [markRule(1, ['80', '443'])],
);

describe('director applier', () => {
  describe('check mode', () => {
    it('reports every change it would make and changes nothing', async () => {
      const r = await rig();
      const { result, events } = await r.run(shop, 'check');
      assert.equal(result.outcome, 'changed');
      assert.equal(result.changed, 7); // 2 services + 4 destinations + the mark chain
      assert.equal(steps(events).length, 3); // each service with its destinations, the mark chain
      assert.ok(steps(events).every((s) => s.status === 'changed' && s.message.startsWith('would ')));
      assert.deepEqual(r.ipvs.snapshot(), []);
      assert.equal(r.marks.snapshot().chainExists, false);
      assert.equal(r.ipvs.calls.applyBatch, 0);
      await assert.rejects(fs.access(ownershipFilePath(r.stateDir)));
    });

    it('emits before/after text of the IPVS table and the mark rules for --diff', async () => {
      const r = await rig();
      const { events } = await r.run(shop, 'check');
      const ipvsDiff = events.find((e) => e.kind === 'diff' && e.subject === 'ipvs');
      const marksDiff = events.find((e) => e.kind === 'diff' && e.subject === 'marks');
      assert.ok(ipvsDiff && ipvsDiff.kind === 'diff' && marksDiff && marksDiff.kind === 'diff');
      assert.equal(ipvsDiff.before, '');
      assert.match(ipvsDiff.after, /^-A -f 1 -s rr -p 360$/m);
      assert.match(ipvsDiff.after, /^-a -t 10\.0\.0\.100:80 -r 10\.0\.0\.12:80 -g -w 1$/m);
      assert.equal(marksDiff.before, '');
      assert.match(marksDiff.after, /mark 1: -p tcp -d 10\.0\.0\.100 --dports 80,443/);
    });

    it('makes no before/after text for a controller that will not show it (omit_diff), and reports the same steps', async () => {
      const stateDir = await tempDir('lvsctl-director-');
      const applier = createDirectorApplier({ stateDir, logger: silent, kernel: { ipvs: new IpvsWriter(new FakeIpvs()), marks: new FakeMarks() } });
      const without: ApplyEvent[] = [];
      await applier.apply(shop, 'check', (e) => without.push(e), { bytes: Buffer.alloc(0), omitDiff: true });
      const withDiff = (await (await rig()).run(shop, 'check')).events;
      assert.equal(without.filter((e) => e.kind === 'diff').length, 0);
      assert.ok(withDiff.some((e) => e.kind === 'diff'));
      assert.deepEqual(without, withDiff.filter((e) => e.kind !== 'diff'));
    });
  });

  describe('apply mode', () => {
    it('applies the plan in one IPVS batch and one chain swap, then a re-apply changes nothing', async () => {
      const r = await rig();
      const first = await r.run(shop);
      assert.equal(first.result.outcome, 'changed');
      assert.equal(first.result.changed, 7);
      assert.equal(r.ipvs.calls.applyBatch, 1);
      assert.equal(r.marks.calls.replaceOwnedChain, 1);
      assert.equal(r.ipvs.snapshot().length, 2);
      assert.deepEqual(r.marks.snapshot().owned, shop.marks);

      const second = await r.run(shop);
      assert.equal(second.result.outcome, 'ok');
      assert.equal(second.result.changed, 0);
      assert.equal(steps(second.events).length, 0);
      assert.equal(r.marks.calls.replaceOwnedChain, 1, 'an unchanged chain is not swapped again');
    });

    it('records what it owns only after a successful apply', async () => {
      const r = await rig();
      await r.run(shop);
      const owned = await readOwnership(r.stateDir);
      assert.deepEqual(owned.services, [fwmark(1), tcp(80)]);
      assert.deepEqual(owned.markRules, shop.marks);
      assert.equal(owned.generation, 1);
    });

    it('leaves the ownership file as it is when a re-apply changes nothing it records, and rewrites it when it does', async () => {
      const r = await rig();
      await r.run(shop);
      const file = ownershipFilePath(r.stateDir);
      const before = await fs.stat(file);
      const again = await r.run({ ...shop, generation: 2 });
      assert.equal(again.result.outcome, 'ok');
      const after = await fs.stat(file);
      assert.equal(after.ino, before.ino, 'an unchanged ownership is not written again');
      assert.equal((await readOwnership(r.stateDir)).generation, 1, 'the generation of the apply that last changed it');

      await r.run({ ...shop, services: shop.services.slice(0, 1), generation: 3 });
      const owned = await readOwnership(r.stateDir);
      assert.equal(owned.services.length, 1);
      assert.equal(owned.generation, 3);
    });

    it('leaves the ownership file as it is when an apply only changes weights, and rewrites it when one service takes another\'s place', async () => {
      const r = await rig();
      await r.run(shop);
      const file = ownershipFilePath(r.stateDir);
      const before = await fs.stat(file);
      const reweighed = directorPlan(table(
        [service(fwmark(1), { persistence: { timeout: 360 } }), [dest('10.0.0.11', { port: 0 }), dest('10.0.0.12', { port: 0 })]],
        [service(tcp(80)), [dest('10.0.0.11'), dest('10.0.0.12', { weight: 5 })]],
      ), shop.marks, 2);
      const weight = await r.run(reweighed);
      assert.equal(weight.result.outcome, 'changed', weight.result.message);
      assert.equal((await fs.stat(file)).ino, before.ino, 'the services owned did not change: the file is not written again');

      const swapped = directorPlan(table(
        [service(fwmark(1), { persistence: { timeout: 360 } }), [dest('10.0.0.11', { port: 0 }), dest('10.0.0.12', { port: 0 })]],
        [service(tcp(81)), [dest('10.0.0.11')]],
      ), shop.marks, 3);
      const swap = await r.run(swapped);
      assert.equal(swap.result.outcome, 'changed', swap.result.message);
      assert.deepEqual((await readOwnership(r.stateDir)).services, [fwmark(1), tcp(81)]);
    });

    it('records a planned service it adopts as owned even when the kernel already holds it exactly (no operation)', async () => {
      const plain: HostPlan = { ...shop, services: shop.services.filter((s) => s.service.key.kind === 'tcp'), marks: [] };
      const first = await rig();
      await first.run(plain);
      const r = await rig({ ipvs: new FakeIpvs(first.ipvs.snapshot()) });
      const { result } = await r.run(plain);
      assert.equal(r.ipvs.calls.applyBatch, 0, 'the table was already as planned');
      assert.equal(r.marks.calls.replaceOwnedChain, 0);
      assert.notEqual(result.outcome, 'failed', result.message);
      assert.deepEqual((await readOwnership(r.stateDir)).services, [tcp(80)]);
    });

    it('with an empty plan deletes only the services it owns and its mark chain', async () => {
      const foreign = table([service(tcp(8080)), [dest('10.0.0.13', { port: 8080 })]]);
      const r = await rig({ ipvs: new FakeIpvs(foreign) });
      await r.run(shop);
      const { result } = await r.run(directorPlan([], [], 2));
      assert.equal(result.outcome, 'changed');
      assert.deepEqual(r.ipvs.snapshot(), foreign);
      assert.equal(r.marks.snapshot().chainExists, false);
      assert.deepEqual((await readOwnership(r.stateDir)).services, []);
    });

    it('leaves an unmanaged service untouched and reports it', async () => {
      const foreign = table([service(tcp(8080), { scheduler: 'wlc' }), [dest('10.0.0.13', { port: 8080, weight: 5 })]]);
      const r = await rig({ ipvs: new FakeIpvs(foreign) });
      const { events } = await r.run(shop);
      assert.deepEqual(r.ipvs.snapshot().find((s) => s.service.key.kind === 'tcp' && s.service.key.port === 8080), foreign[0]);
      assert.ok(notices(events).some((n) => n.includes('unmanaged service tcp 10.0.0.100:8080')), notices(events).join('\n'));
    });

    it('adopts a planned service that already existed, says so, and owns it afterwards', async () => {
      const existing = table([service(tcp(80)), [dest('10.0.0.11')]]);
      const r = await rig({ ipvs: new FakeIpvs(existing) });
      const { events } = await r.run(shop);
      assert.ok(notices(events).some((n) => n.startsWith('adopting service tcp 10.0.0.100:80')));
      assert.ok((await readOwnership(r.stateDir)).services.some((k) => k.kind === 'tcp' && k.port === 80));
    });

    it('reports foreign mark rules and leaves them alone', async () => {
      const handRule = markRule(9, ['8443']);
      const r = await rig({ marks: new FakeMarks({ foreign: [handRule] }) });
      const { events } = await r.run(shop);
      assert.ok(notices(events).some((n) => n.includes('foreign mark rule') && n.includes('mark 9')));
      assert.deepEqual(r.marks.snapshot().foreign, [handRule]);
    });
  });

  describe('all or nothing', () => {
    // Already applied: the shop; the new plan edits, adds and deletes so every kind of undo is needed.
    const changedShop = directorPlan(
      table(
        [service(fwmark(1), { scheduler: 'wlc', persistence: { timeout: 600 } }), [dest('10.0.0.11', { port: 0, weight: 3 }), dest('10.0.0.14', { port: 0 })]],
        [service(tcp(443)), [dest('10.0.0.11', { port: 443 })]],
      ),
      [markRule(1, ['80', '443', '8443'])],
      2,
    );

    async function appliedShop(): Promise<Rig> {
      const r = await rig();
      await r.run(shop);
      return r;
    }

    for (const line of [1, 3, 6]) {
      it(`restores the kernel exactly when the IPVS batch fails at line ${line}, and names both errors`, async () => {
        const r = await appliedShop();
        const ipvsBefore = r.ipvs.snapshot();
        const marksBefore = r.marks.snapshot();
        const ownedBefore = await readOwnership(r.stateDir);
        r.ipvs.failNextBatchAt(line, 'Scheduler or persistence engine not found');
        const { result } = await r.run(changedShop);
        assert.equal(result.outcome, 'failed');
        assert.match(result.message, new RegExp(`line ${line}: Scheduler or persistence engine not found`));
        assert.match(result.message, /rolled back/);
        assert.ok(result.rollback && /restored the snapshot/.test(result.rollback), result.rollback);
        assert.deepEqual(r.ipvs.snapshot(), ipvsBefore);
        assert.deepEqual(r.marks.snapshot(), marksBefore);
        assert.deepEqual(await readOwnership(r.stateDir), ownedBefore, 'ownership is not recorded for a failed apply');
      });
    }

    it('restores the IPVS table when the mark chain swap fails', async () => {
      const r = await appliedShop();
      const ipvsBefore = r.ipvs.snapshot();
      const marksBefore = r.marks.snapshot();
      r.marks.failNextReplace('iptables-restore: line 4 failed');
      const { result } = await r.run(changedShop);
      assert.equal(result.outcome, 'failed');
      assert.match(result.message, /iptables-restore: line 4 failed/);
      assert.match(result.rollback ?? '', /undid \d+ IPVS operation/);
      assert.deepEqual(r.ipvs.snapshot(), ipvsBefore);
      assert.deepEqual(r.marks.snapshot(), marksBefore);
    });

    it('restores everything when the read-back differs from the plan', async () => {
      const r = await appliedShop();
      const ipvsBefore = r.ipvs.snapshot();
      const marksBefore = r.marks.snapshot();
      // The read after the batch (the first read is the apply's own snapshot) reports a weight the plan did not ask for.
      let reads = 0;
      const original = r.ipvs.read.bind(r.ipvs);
      r.ipvs.read = async () => {
        reads++;
        if (reads === 2) r.ipvs.misreportNextRead((t) => t.map((s) => ({ ...s, destinations: s.destinations.map((d) => ({ ...d, weight: 42 })) })));
        return original();
      };
      const { result } = await r.run(changedShop);
      assert.equal(result.outcome, 'failed');
      assert.match(result.message, /read-back differs from the plan: .*w42/);
      assert.deepEqual(r.ipvs.snapshot(), ipvsBefore);
      assert.deepEqual(r.marks.snapshot(), marksBefore);
    });

    it('says so loudly when the restore itself fails', async () => {
      const r = await appliedShop();
      r.ipvs.failNextBatchAt(2, 'Memory allocation problem');
      const original = r.ipvs.applyBatch.bind(r.ipvs);
      let batches = 0;
      r.ipvs.applyBatch = async (ops) => {
        batches++;
        if (batches === 2) r.ipvs.failNextBatchAt(1, 'No such service');
        return original(ops);
      };
      const { result, events } = await r.run(changedShop);
      assert.equal(result.outcome, 'failed');
      assert.match(result.message, /ROLLBACK FAILED/);
      assert.match(result.rollback ?? '', /IPVS restore failed: .*No such service/);
      // and no step says it was rolled back
      const skipped = events.flatMap((e) => (e.kind === 'step' && e.status === 'skipped' ? [e.message] : []));
      assert.ok(skipped.length > 0);
      assert.ok(skipped.every((m) => m.endsWith(' (the rollback failed: it may still be in the kernel; see lvsctl status)')), skipped.join('\n'));
    });

    it('fails without changing anything when the kernel cannot be read', async () => {
      const r = await appliedShop();
      r.ipvs.failNextRead('Can\'t initialize ipvs: Protocol not available');
      const batches = r.ipvs.calls.applyBatch;
      const { result } = await r.run(changedShop);
      assert.equal(result.outcome, 'failed');
      assert.match(result.message, /cannot read the kernel state, nothing was changed: .*Protocol not available/);
      assert.equal(r.ipvs.calls.applyBatch, batches);
    });
  });

  describe('ownership file', () => {
    it('refuses to act on a corrupt file, naming the file and the fix', async () => {
      const r = await rig({ ipvs: new FakeIpvs(table([service(tcp(8080)), []])) });
      await fs.writeFile(ownershipFilePath(r.stateDir), '{"version":1,"services":[{"kind":"tcp"', 'utf8');
      const { result } = await r.run(directorPlan([]));
      assert.equal(result.outcome, 'failed');
      assert.ok(result.message.includes(ownershipFilePath(r.stateDir)), result.message);
      assert.match(result.message, /is not valid JSON/);
      assert.match(result.message, /Fix: restore the file from a backup, or move it aside/);
      assert.equal(r.ipvs.calls.applyBatch, 0);
      assert.equal(r.ipvs.snapshot().length, 1);
    });
  });

  describe('preconditions', () => {
    it('fails with every unmet precondition, its fix, and the failedPrecondition flag', async () => {
      const preconditions: DirectorPreconditions = {
        check: async () => [
          { subject: 'ipvsadm', message: 'ipvsadm is not installed', fix: 'apt-get install ipvsadm' },
          { subject: 'ip_vs', message: 'this kernel has no IPVS (/proc/net/ip_vs is missing)', fix: 'modprobe ip_vs' },
        ],
      };
      const r = await rig({ preconditions });
      const { result, events } = await r.run(shop);
      assert.equal(result.outcome, 'failed');
      assert.equal(result.failedPrecondition, true);
      assert.match(result.message, /ipvsadm is not installed \(fix: apt-get install ipvsadm\)/);
      assert.match(result.message, /modprobe ip_vs/);
      assert.deepEqual(steps(events).map((s) => s.fix), ['apt-get install ipvsadm', 'modprobe ip_vs']);
      assert.equal(r.ipvs.calls.read, 0);
    });

    it('refuses an IPv6 mark rule before changing anything when it has no ip6tables door', async () => {
      const r = await rig();
      const { result } = await r.run(directorPlan(table([service(fwmark(1)), [dest('10.0.0.11', { port: 0 })]]), [markRule(1, ['80'], '2001:db8::100')]));
      assert.equal(result.outcome, 'failed');
      assert.match(result.message, /marks\[0\] \(mark 1 for 2001:db8::100\) is IPv6, and this agent was built without ip6tables; nothing was changed/);
      assert.equal(r.ipvs.calls.applyBatch, 0);
    });

    it('refuses a realserver plan, saying which role to start the agent with', async () => {
      const r = await rig();
      const { result } = await r.run({ role: 'realserver', cluster: 'c', host: 'r1', generation: 1, address: '10.0.0.11', prepare: false, duties: [] });
      assert.equal(result.outcome, 'failed');
      assert.match(result.message, /--role realserver/);
    });
  });
});
