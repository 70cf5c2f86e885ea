import assert from 'assert';
import { join } from 'node:path';
import { bySampleCount, mergeCaptures } from '../../../bench/profile-merge';
import { summarizeProfile } from '../../../bench/profile-summary';
import type { ProfileCapture } from '../../../bench/profiler';

/** A profile of one process: its root, then `frames` (name → file under lvs/), sampled in `order` every `stepUs`. */
function capture(frames: readonly string[], order: readonly number[], stepUs: number, startTime: number): ProfileCapture {
  const root = process.cwd();
  const nodes = [
    { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, children: frames.map((_, i) => i + 2) },
    ...frames.map((name, i) => ({ id: i + 2, callFrame: { functionName: name, url: join(root, 'lvs', `${name}.ts`), lineNumber: 0 } })),
  ];
  return {
    profile: { nodes, startTime, endTime: startTime + stepUs * order.length, samples: order.map((i) => i + 2), timeDeltas: order.map(() => stepUs) },
    execs: [], startedAt: startTime / 1000, stoppedAt: startTime / 1000 + 1, samplingIntervalUs: stepUs,
  };
}

describe('bench profile-merge: several agents\' profiles read as one', () => {
  it('gives each function the time the profiles gave it apart, summed, and no time across one profile\'s end to the next', () => {
    const a = capture(['decode', 'verify'], [0, 0, 1, 1, 1], 1000, 5_000_000);
    const b = capture(['verify', 'report'], [0, 1, 1], 2000, 9_000_000);
    const apart = [summarizeProfile(a), summarizeProfile(b)];
    const merged = summarizeProfile(mergeCaptures([a, b]));
    const msOf = (s: ReturnType<typeof summarizeProfile>, name: string): number => s.functions.find((f) => f.name.startsWith(`${name} `))?.ms ?? 0;
    for (const name of ['decode', 'verify', 'report']) {
      assert.equal(msOf(merged, name), msOf(apart[0]!, name) + msOf(apart[1]!, name), name);
    }
    assert.equal(merged.busyMs, apart[0]!.busyMs + apart[1]!.busyMs);
    assert.equal(merged.spanMs, apart[0]!.spanMs + apart[1]!.spanMs);
    // the same function in two processes is still one line, its time from both
    assert.equal(msOf(merged, 'verify'), 2 + 2);
  });

  it('refuses to merge nothing rather than give a profile of no process', () => {
    assert.throws(() => mergeCaptures([]), /no profile/);
  });
});

describe('bench profile-merge: a profile counted in samples', () => {
  it('gives each sample one interval, so a wait for a core before a sample is not charged to it', () => {
    const root = process.cwd();
    const nodes = [
      { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, children: [2, 3] },
      { id: 2, callFrame: { functionName: 'verify', url: join(root, 'lvs', 'verify.ts'), lineNumber: 0 } },
      { id: 3, callFrame: { functionName: '(garbage collector)', url: '', lineNumber: -1 } },
    ];
    // the collection's one sample is followed by 50 ms without a sample: the process waited for a core
    const waited: ProfileCapture = {
      profile: { nodes, startTime: 0, endTime: 53_000, samples: [2, 3, 2, 2], timeDeltas: [0, 1000, 50_000, 1000] },
      execs: [], startedAt: 0, stoppedAt: 1, samplingIntervalUs: 1000,
    };
    const asWall = summarizeProfile(waited);
    const counted = summarizeProfile(bySampleCount(waited));
    const ms = (s: ReturnType<typeof summarizeProfile>, name: string): number => s.functions.find((f) => f.name.startsWith(name))?.ms ?? 0;
    assert.equal(ms(asWall, '(garbage collector)'), 50);
    assert.equal(ms(counted, '(garbage collector)'), 1);
    assert.equal(ms(counted, 'verify'), 2);
    assert.equal(counted.spanMs, 4);
  });
});
