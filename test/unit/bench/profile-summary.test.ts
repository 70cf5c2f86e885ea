import assert from 'assert';
import { join } from 'node:path';
import { areaOf, summarizeProfile } from '../../../bench/profile-summary';

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
