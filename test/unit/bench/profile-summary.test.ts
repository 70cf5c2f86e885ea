import assert from 'assert';
import { join } from 'node:path';
import { areaOf, busyShares, summarizeProfile } from '../../../bench/profile-summary';

describe('bench profile-summary: where a profile says the time went', () => {
  const root = process.cwd();

  it('names the project\'s folders whether a frame ran as compiled (dist/) or as a bundle\'s map names its source', () => {
    assert.equal(areaOf({ functionName: 'f', url: `file://${join(root, 'dist', 'agent', 'director', 'applier.js')}`, lineNumber: 1 }), 'agent/director');
    assert.equal(areaOf({ functionName: 'f', url: join(root, 'lvs', 'wire', 'host-plan-decode.ts'), lineNumber: 1 }), 'lvs/wire');
    assert.equal(areaOf({ functionName: 'f', url: join(root, 'node_modules', '@grpc', 'grpc-js', 'src', 'server.ts'), lineNumber: 1 }), 'npm @grpc/grpc-js');
    assert.equal(areaOf({ functionName: '(garbage collector)', url: '', lineNumber: -1 }), '(garbage collector)');
  });

  it('shows each function with its file from the checkout\'s root and its line', () => {
    const nodes = [
      { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, children: [2, 3] },
      { id: 2, callFrame: { functionName: 'directorService', url: join(root, 'lvs', 'wire', 'host-plan-decode.ts'), lineNumber: 85 } },
      { id: 3, callFrame: { functionName: 'serviceKeyString', url: `file://${join(root, 'dist', 'lvs', 'model.js')}`, lineNumber: 39 } },
    ];
    const summary = summarizeProfile({
      profile: { nodes, startTime: 0, endTime: 4000, samples: [2, 2, 3, 3], timeDeltas: [0, 1000, 1000, 1000] },
      execs: [], startedAt: 0, stoppedAt: 4, samplingIntervalUs: 1000,
    });
    assert.deepEqual(summary.functions.map((f) => f.name).sort(), ['directorService lvs/wire/host-plan-decode.ts:86', 'serviceKeyString dist/lvs/model.js:40']);
  });
});

describe('bench profile-summary: shares of the busy time', () => {
  it('leaves the idle time out and gives each share of the time on the CPU', () => {
    const root = process.cwd();
    const nodes = [
      { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, children: [2, 3, 4] },
      { id: 2, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
      { id: 3, callFrame: { functionName: 'verify', url: join(root, 'lvs', 'verify.ts'), lineNumber: 0 } },
      { id: 4, callFrame: { functionName: '(garbage collector)', url: '', lineNumber: -1 } },
    ];
    // 96 ms idle, 3 ms in verify, 1 ms collecting
    const samples = [...Array(96).fill(2), 3, 3, 3, 4, 2];
    const summary = busyShares(summarizeProfile({
      profile: { nodes, startTime: 0, endTime: 101_000, samples, timeDeltas: samples.map(() => 1000) },
      execs: [], startedAt: 0, stoppedAt: 1, samplingIntervalUs: 1000,
    }));
    assert.equal(summary.busyMs, 4);
    assert.deepEqual(summary.areas.map((a) => [a.name, a.share]), [['lvs', 0.75], ['(garbage collector)', 0.25]]);
    assert.equal(summary.functions[0]?.share, 0.75);
  });
});
