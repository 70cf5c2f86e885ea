import { strict as assert } from 'node:assert';
import { chainLine, FakeMarks } from '../../../agent/kernel/fake/marks';
import type { MarkState } from '../../../lvs/mark-state';
import type { IpvsService } from '../../../lvs/model';
import { dest, directorPlan, markRule, service, table } from './builders';
import { directorRig, notices, stepLines } from './rig';

const V6 = 'fd00::50';
const fwmark6 = (mark: number) => ({ kind: 'fwmark' as const, mark, family: 'inet6' as const });
const services: IpvsService[] = table(
  [service({ kind: 'fwmark', mark: 1, family: 'inet' }), [dest('10.0.0.11', { port: 0 })]],
  [service(fwmark6(2)), [dest('fd00::11', { port: 0 })]],
);
const v4Rule = markRule(1, ['80', '443']);
const v6Rule = markRule(2, ['80', '443'], V6);
const both = directorPlan(services, [v4Rule, v6Rule]);

describe('IPv6 mark rules: their own chain in ip6tables', () => {
  it('writes the IPv4 rules with iptables and the IPv6 ones with ip6tables, each chain with one jump', async () => {
    const r = await directorRig({ marks6: new FakeMarks() });
    const { result, events } = await r.run(both);
    assert.equal(result.outcome, 'changed', result.message);
    assert.deepEqual(r.marks.snapshot().chain, [chainLine(v4Rule)]);
    assert.deepEqual(r.marks6?.snapshot().chain, [chainLine(v6Rule)]);
    assert.equal(r.marks6?.snapshot().jumpCount, 1);
    assert.ok(stepLines(events).includes('mark-chain mangle LVSCTL-MARK (ip6tables) changed'), stepLines(events).join('\n'));
    assert.equal((await r.run(both)).result.outcome, 'ok', 'a second apply finds both chains as planned');
  });

  it('reads back an IPv6 rule the plan spells differently as the same rule (ip6tables-save compresses and lower-cases)', async () => {
    const r = await directorRig({ marks6: new FakeMarks() });
    const spelled = directorPlan(services, [v4Rule, markRule(2, ['80', '443'], 'FD00:0:0::50')]);
    await r.run(spelled);
    r.marks6?.misreportNextRead((state) => ({ ...state, owned: state.owned.map((rule) => ({ ...rule, destination: V6 })) }));
    assert.equal((await r.run(spelled)).result.outcome, 'ok');
  });

  it('rolls both chains back when the read-back finds the IPv6 one wrong', async () => {
    const hand = '-A LVSCTL-MARK -s fd00::99/128 -j ACCEPT';
    // The first read is the snapshot; the second, the read-back, sees a doubled jump.
    class TwistedReadBack extends FakeMarks {
      reads = 0;
      override async read(): Promise<MarkState> {
        const state = await super.read();
        return ++this.reads === 2 ? { ...state, jumpCount: 2 } : state;
      }
    }
    const marks6 = new TwistedReadBack({ chain: [hand] });
    const r = await directorRig({ marks6 });
    const { result } = await r.run(both);
    assert.equal(result.outcome, 'failed');
    assert.match(result.message, /IPv6 mark chain: PREROUTING jumps to the owned chain 2 times.*rolled back/);
    assert.deepEqual(marks6.snapshot().chain, [hand], 'the hand-written IPv6 chain is back');
    assert.deepEqual(r.marks.snapshot().chainExists, false, 'and the IPv4 chain it wrote is gone again');
  });

  it('removes the IPv6 chain it wrote when the plan drops its IPv6 rules, and leaves ip6tables alone for IPv4-only plans', async () => {
    const r = await directorRig({ marks6: new FakeMarks() });
    await r.run(both);
    await r.run(directorPlan([services[0]], [v4Rule], 2));
    assert.equal(r.marks6?.snapshot().chainExists, false);
    const reads = r.marks6?.calls.read ?? 0;
    assert.equal((await r.run(directorPlan([services[0]], [v4Rule], 3))).result.outcome, 'ok');
    assert.equal(r.marks6?.calls.read, reads, 'no ip6tables read once nothing of IPv6 is planned or owned');
  });

  it('reports drift in the IPv6 chain under its own name', async () => {
    const r = await directorRig({ marks6: new FakeMarks() });
    await r.run(both);
    const now = r.marks6?.snapshot();
    assert.ok(now);
    await r.marks6?.restoreChain({ ...now, jumpCount: 0 });
    const { events } = await r.run(both);
    assert.ok(notices(events).includes('drift in LVSCTL-MARK (ip6tables): PREROUTING no longer jumps to LVSCTL-MARK; replaced by the planned rules'), notices(events).join('\n'));
    assert.equal(r.marks6?.snapshot().jumpCount, 1);
  });

  it('fails before changing anything when ip6tables cannot read its mangle table, naming the modules', async () => {
    const marks6 = new FakeMarks();
    marks6.failNextRead("ip6tables-legacy-save: can't initialize ip6tables table `mangle': Table does not exist");
    const r = await directorRig({ marks6 });
    const { result } = await r.run(both);
    assert.equal(result.outcome, 'failed');
    assert.match(result.message, /nothing was changed.*IPv6 mark rules need ip6tables.*modprobe ip6_tables ip6table_mangle/);
    assert.equal(r.ipvs.calls.applyBatch, 0);
  });
});
