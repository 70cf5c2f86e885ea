import { strict as assert } from 'node:assert';
import { markChainDrift } from '../../../agent/director/mark-drift';
import { chainLine, FakeMarks } from '../../../agent/kernel/fake/marks';
import { NO_MARKS } from '../../../lvs/mark-state';
import { dest, directorPlan, fwmark, markRule, service, table, tcp } from './builders';
import { directorRig, notices, stepLines, type Rig } from './rig';

const shopRule = markRule(1, ['80', '443']);
const ftpRule = markRule(3, ['21']);
const handRule = markRule(7, ['8080']);
const handLine = '-A LVSCTL-MARK -s 192.0.2.0/24 -j ACCEPT';
const services = table([service(fwmark(1)), [dest('10.0.0.11', { port: 0 })]], [service(fwmark(3)), [dest('10.0.0.11', { port: 0 })]]);
const shop = directorPlan(services, [shopRule, ftpRule]);

/** The shop applied by this agent, then the chain changed behind its back. */
async function appliedThenEdited(edit: (chain: string[]) => { chain: string[]; jumpCount?: number }): Promise<Rig> {
  const r = await directorRig();
  await r.run(shop);
  const now = r.marks.snapshot();
  const edited = edit(now.chain);
  await r.marks.restoreChain({ ...now, chain: edited.chain, jumpCount: edited.jumpCount ?? now.jumpCount });
  return r;
}

describe('the owned mark chain when someone else has been at it', () => {
  it('collapses a doubled jump from PREROUTING to one on the next apply, and says why', async () => {
    const r = await appliedThenEdited((chain) => ({ chain, jumpCount: 2 }));
    const { result, events } = await r.run(shop);
    assert.equal(result.outcome, 'changed');
    assert.deepEqual(stepLines(events), ['mark-chain mangle LVSCTL-MARK changed']);
    assert.ok(notices(events).includes('drift in LVSCTL-MARK: PREROUTING jumps to LVSCTL-MARK 2 times, not once; replaced by the planned rules'), notices(events).join('\n'));
    assert.equal(r.marks.snapshot().jumpCount, 1);
    assert.equal((await r.run(shop)).result.outcome, 'ok', 'and then it is as planned');
  });

  it('removes every jump with the chain when the plan has no mark rules', async () => {
    const r = await appliedThenEdited((chain) => ({ chain, jumpCount: 3 }));
    await r.run(directorPlan(services, [], 2));
    const after = r.marks.snapshot();
    assert.deepEqual([after.chainExists, after.jumpCount], [false, 0]);
  });

  it('refuses, before changing anything, a plan without mark rules while another rule jumps to the owned chain: the kernel would refuse to delete it', async () => {
    const reference = '-A OUTPUT -p tcp -j LVSCTL-MARK';
    const r = await directorRig({ marks: new FakeMarks({ references: [reference] }) });
    assert.equal((await r.run(shop)).result.outcome, 'changed', 'a plan with mark rules only flushes the chain: the reference does not matter');
    const before = { ipvs: r.ipvs.snapshot(), marks: r.marks.snapshot() };

    const { result } = await r.run(directorPlan(table([service(fwmark(1)), [dest('10.0.0.11', { port: 0 })]]), [], 2));

    assert.equal(result.outcome, 'failed');
    assert.match(result.message, /the plan has no IPv4 mark rules, so the apply deletes lvsctl's own chain LVSCTL-MARK, and the kernel keeps a chain another rule jumps to: "-A OUTPUT -p tcp -j LVSCTL-MARK"; nothing was changed/);
    assert.match(result.message, /Fix: delete that rule \(iptables -t mangle -D OUTPUT -p tcp -j LVSCTL-MARK, with the iptables backend the agent uses, legacy or nft\) or point them at a chain of their own, then apply again/);
    assert.doesNotMatch(result.message, /rolled back|Device or resource busy/, 'refused before the batch, not failed in it');
    assert.deepEqual(r.ipvs.snapshot(), before.ipvs, 'the fwmark 3 service the plan drops is still there');
    assert.deepEqual(r.marks.snapshot(), before.marks);
  });

  it('puts a missing jump back', async () => {
    const r = await appliedThenEdited((chain) => ({ chain, jumpCount: 0 }));
    const { events } = await r.run(shop);
    assert.ok(notices(events).some((n) => n.startsWith('drift in LVSCTL-MARK: PREROUTING no longer jumps to LVSCTL-MARK')));
    assert.equal(r.marks.snapshot().jumpCount, 1);
  });

  it('reports rules it did not write (readable or not) and a rule of its own that is gone, then replaces the chain', async () => {
    const r = await appliedThenEdited((chain) => ({ chain: [chain[0], chainLine(handRule), handLine] }));
    const { events } = await r.run(shop);
    const drift = notices(events).filter((n) => n.startsWith('drift in LVSCTL-MARK'));
    assert.deepEqual(drift, [
      'drift in LVSCTL-MARK: a rule lvsctl did not write: mark 7: -p tcp -d 10.0.0.100 --dports 8080; replaced by the planned rules',
      `drift in LVSCTL-MARK: a rule lvsctl did not write (and cannot read): ${handLine}; replaced by the planned rules`,
      'drift in LVSCTL-MARK: a rule lvsctl wrote is missing: mark 3: -p tcp -d 10.0.0.100 --dports 21; replaced by the planned rules',
    ]);
    assert.deepEqual(r.marks.snapshot().chain, [shopRule, ftpRule].map(chainLine));
  });

  it('in check mode says the drift would be replaced and leaves it', async () => {
    const r = await appliedThenEdited((chain) => ({ chain: [...chain, handLine] }));
    const { events } = await r.run(shop, 'check');
    assert.ok(notices(events).some((n) => n.endsWith('; would be replaced by the planned rules')));
    assert.deepEqual(r.marks.snapshot().chain.at(-1), handLine);
  });

  it('on a failed apply puts back exactly the chain that was there: hand-written lines, order and jumps', async () => {
    const r = await appliedThenEdited((chain) => ({ chain: [handLine, chain[1], chainLine(handRule), chain[0]], jumpCount: 2 }));
    const before = r.marks.snapshot();
    // The swap succeeds, then the read-back of the IPVS table disagrees: everything is rolled back.
    const original = r.ipvs.read.bind(r.ipvs);
    let reads = 0;
    r.ipvs.read = async () => {
      if (++reads === 2) r.ipvs.misreportNextRead(() => []);
      return original();
    };
    const { result } = await r.run(directorPlan(table([service(fwmark(1)), [dest('10.0.0.12', { port: 0 })]]), [shopRule], 2));
    assert.equal(result.outcome, 'failed');
    assert.match(result.rollback ?? '', /put back the previous mark chain \(4 rule\(s\)\)/);
    assert.deepEqual(r.marks.snapshot(), before);
  });

  it('says so when the chain cannot be put back', async () => {
    const r = await appliedThenEdited((chain) => ({ chain: [...chain, handLine] }));
    // The swap succeeds, its read-back (the second read) shows a second jump, and the restore fails.
    const original = r.marks.read.bind(r.marks);
    let reads = 0;
    r.marks.read = async () => {
      if (++reads === 2) r.marks.misreportNextRead((s) => ({ ...s, jumpCount: 2 }));
      return original();
    };
    r.marks.failNextRestore('iptables-restore: line 5 failed');
    const { result } = await r.run(directorPlan(services, [shopRule], 2));
    assert.equal(result.outcome, 'failed');
    assert.match(result.message, /ROLLBACK FAILED/);
    assert.match(result.rollback ?? '', /mark chain restore failed: iptables-restore: line 5 failed/);
  });
});

describe('reading the mangle table only when a mark can matter (it costs a process)', () => {
  const web = table([service(tcp(80)), [dest('10.0.0.11')]]);

  it('reads it at the first apply since start, then not for a plan without marks or fwmark services', async () => {
    const r = await directorRig();
    await r.run(directorPlan(web, [], 1));
    assert.equal(r.marks.calls.read, 1, 'the first apply looks for a chain left from before');
    const again = await r.run(directorPlan(web, [], 2));
    assert.equal(again.result.outcome, 'ok');
    assert.equal(r.marks.calls.read, 1);
    await r.run(directorPlan(table([service(tcp(80)), [dest('10.0.0.11')]], [service(fwmark(1)), [dest('10.0.0.11', { port: 0 })]]), [], 3));
    assert.equal(r.marks.calls.read, 2, 'a fwmark service: someone else\'s MARK rules may feed it, and are reported');
  });

  it('removes a chain left by an earlier agent (one killed after its swap) at its first apply', async () => {
    const leftover = new FakeMarks({ chain: [chainLine(shopRule)] });
    const r = await directorRig({ marks: leftover });
    await r.run(directorPlan(web, [], 1));
    assert.deepEqual([leftover.snapshot().chainExists, leftover.snapshot().jumpCount], [false, 0]);
  });

  it('reads it again when this agent wrote a chain, and reads back only a chain it swapped', async () => {
    const r = await directorRig();
    await r.run(shop);
    const reads = r.marks.calls.read;
    await r.run(directorPlan(table([service(fwmark(1)), [dest('10.0.0.12', { port: 0 })]], [service(fwmark(3)), [dest('10.0.0.11', { port: 0 })]]), [shopRule, ftpRule], 2));
    assert.equal(r.marks.calls.read, reads + 1, 'read for the plan; the chain was not swapped, so not read back');
    await r.run(directorPlan(web, [], 3));
    assert.equal(r.marks.calls.read, reads + 3, 'the plan drops the chain: read, removed, read back');
    assert.equal(r.marks.snapshot().chainExists, false);
  });
});

describe('markChainDrift', () => {
  const written = [shopRule, ftpRule];
  const clean = { ...NO_MARKS, chainExists: true, jumpPresent: true, jumpCount: 1, owned: written.map((r) => ({ ...r, destination: `${r.destination}/32` })) };

  it('finds nothing when the chain holds what was written (iptables-save writes /32)', () => {
    assert.deepEqual(markChainDrift(clean, written), []);
  });
  it('finds a rule written twice but present once', () => {
    assert.deepEqual(markChainDrift(clean, [...written, ftpRule]), ['a rule lvsctl wrote is missing: mark 3: -p tcp -d 10.0.0.100 --dports 21']);
  });
  it('finds rules reordered (the last matching MARK wins, so order matters)', () => {
    assert.deepEqual(markChainDrift(clean, [ftpRule, shopRule]), ['the rules of LVSCTL-MARK are in another order than lvsctl wrote them']);
  });
  it('finds a chain that is gone, only if lvsctl had written rules there', () => {
    assert.deepEqual(markChainDrift(NO_MARKS, written), ['LVSCTL-MARK is gone (lvsctl had written 2 rule(s) there)']);
    assert.deepEqual(markChainDrift(NO_MARKS, []), []);
  });
});

describe('fake mark table', () => {
  it('derives owned and unparsed rules from the chain lines, in order', () => {
    const marks = new FakeMarks({ chain: [handLine, chainLine(shopRule)] });
    const s = marks.snapshot();
    assert.deepEqual([s.owned.map((r) => r.mark), s.unparsed, s.jumpCount], [[1], [handLine], 1]);
  });
});
