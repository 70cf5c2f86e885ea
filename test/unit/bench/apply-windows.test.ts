import assert from 'assert';
import { applyWindows, idleCollections, optimizingCompilerOf, partsWallMs } from '../../../bench/proc';

const line = (entry: Record<string, unknown>): string => JSON.stringify(entry);

describe('bench: an apply read from the agent\'s log', () => {
  it('takes its parts from the applier\'s line, the last-plan line and the generation\'s record in "apply finished"', () => {
    const log = [
      line({ message: 'apply started', host: 'lvs1', generation: 5, mode: 'apply', timestamp: '2026-12-02T10:00:00.000Z' }),
      line({ message: 'director apply finished already as planned', phasesMs: { diff: 3, read: 2 }, pageFaults: { diff: 1 }, timestamp: '2026-12-02T10:00:00.010Z' }),
      line({ message: 'applied plan kept and handed over', lastPlanMs: 1, handOverMs: 4, timestamp: '2026-12-02T10:00:00.015Z' }),
      line({ message: 'apply finished', host: 'lvs1', generation: 5, outcome: 'ok', changed: 0, recordMs: 6, gcMs: 9, timestamp: '2026-12-02T10:00:00.021Z' }),
    ].join('\n');
    const [window] = applyWindows(log);
    assert.deepStrictEqual(window.phasesMs, { diff: 3, read: 2, lastPlan: 1, healthHandOver: 4, generation: 6 });
    assert.strictEqual(window.finishedAt! - window.startedAt, 21);
    assert.strictEqual(window.gcMs, 9, 'the collector\'s share, beside the parts');
  });

  it('adds no generation part to an apply that recorded none (a check)', () => {
    const log = [
      line({ message: 'apply started', host: 'lvs1', generation: 6, mode: 'check', timestamp: '2026-12-02T10:00:00.000Z' }),
      line({ message: 'director apply finished already as planned', phasesMs: { diff: 3 }, timestamp: '2026-12-02T10:00:00.010Z' }),
      line({ message: 'apply finished', host: 'lvs1', generation: 6, outcome: 'ok', changed: 0, timestamp: '2026-12-02T10:00:00.012Z' }),
    ].join('\n');
    assert.deepStrictEqual(applyWindows(log)[0].phasesMs, { diff: 3 });
  });

  it('reads the agent\'s collections once idle, and only those', () => {
    const log = [
      line({ message: 'apply finished', host: 'lvs1', generation: 6, outcome: 'ok', changed: 0, timestamp: '2026-12-02T10:00:00.012Z' }),
      'not json',
      line({ message: 'collected while idle', ms: 57, heapBeforeMiB: 28, heapAfterMiB: 18, timestamp: '2026-12-02T10:00:01.100Z' }),
    ].join('\n');
    assert.deepStrictEqual(idleCollections(log), [{ at: Date.parse('2026-12-02T10:00:01.100Z'), ms: 57, heapBeforeMiB: 28, heapAfterMiB: 18 }]);
  });

  it('reads what the agent\'s start line says of V8\'s optimizing compiler', () => {
    const started = (extra: Record<string, unknown>): string => line({ message: 'agent started', host: 'lvs1', timestamp: '2026-12-02T10:00:00.000Z', ...extra });
    assert.strictEqual(optimizingCompilerOf(['not json', started({ optimizingCompiler: 'off (auto: one CPU)' })].join('\n')), 'off (auto: one CPU)');
    assert.strictEqual(optimizingCompilerOf(started({})), undefined);
  });

  it('counts the generation\'s record only where it outlasts the last-plan file and the hand-over it runs beside', () => {
    assert.strictEqual(partsWallMs({ diff: 3, lastPlan: 4, healthHandOver: 5, generation: 6 }), 12);
    assert.strictEqual(partsWallMs({ diff: 3, lastPlan: 1, healthHandOver: 2, generation: 10 }), 13);
    assert.strictEqual(partsWallMs({ diff: 3, read: 2 }), 5);
  });
});
