// The recap's counters when one step carries several changes (a director adding a service
// with its realservers): `changed` is the result's count, and those changes count as fine in `ok`.
import { strict as assert } from 'node:assert';
import { RolloutLedger } from '../../../controller/rollout/ledger';

describe('rollout ledger', () => {
  const step = (status: 'ok' | 'changed' | 'failed') => ({ kind: 'agent' as const, host: 'lvs1', event: { kind: 'step' as const, action: 'add-service', target: 'tcp 10.0.0.100:80', status, message: '' } });
  const result = (changed: number) => ({ kind: 'agent' as const, host: 'lvs1', event: { kind: 'result' as const, outcome: 'changed' as const, changed, message: '' } });

  it('counts the changes a result reports beyond its steps as ok and changed', () => {
    const ledger = new RolloutLedger();
    ledger.track('lvs1', 'director', 'apply');
    ledger.record(step('changed'));
    ledger.record(step('ok'));
    ledger.record(result(11));
    ledger.record({ kind: 'host-done', host: 'lvs1', status: 'changed', mode: 'apply' });
    const [recap] = ledger.recap();
    assert.equal(recap.changed, 11);
    assert.equal(recap.ok, 12); // the ok step, and eleven changes in one changed step
  });

  it('counts steps alone when each carries one change', () => {
    const ledger = new RolloutLedger();
    ledger.track('lvs1', 'director', 'apply');
    ledger.record(step('changed'));
    ledger.record(step('changed'));
    ledger.record(step('ok'));
    ledger.record(result(2));
    ledger.record({ kind: 'host-done', host: 'lvs1', status: 'changed', mode: 'apply' });
    const [recap] = ledger.recap();
    assert.deepEqual([recap.ok, recap.changed], [3, 2]);
  });
});
