// The slicer ends a slice after about 20 ms of work whatever a step costs, while reading the
// clock far less often than once per step when steps are quick.
import { strict as assert } from 'node:assert';
import { performance } from 'node:perf_hooks';
import { SLICE_MS, Slicer } from '../../../lvs/yield-point';

function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) { /* spin */ }
}

describe('the slicer of long tasks', () => {
  it('reads the clock at most about once per 1,000 quick steps (each read is a system call in the lab\'s kernel)', () => {
    const realNow = performance.now.bind(performance);
    let reads = 0;
    const slicer = new Slicer();
    performance.now = () => { reads += 1; return realNow(); };
    try {
      for (let i = 0; i < 1_000_000; i += 1) void slicer.due;
    } finally {
      performance.now = realNow;
    }
    // at most 128 steps between reads, as before, made 7,800 reads here
    assert.ok(reads < 2_000, `${reads} clock reads`);
  });

  it('keeps 8 steps or more between clock reads when every read comes late (the process not running between them)', async () => {
    const realNow = performance.now.bind(performance);
    let reads = 0;
    let clock = realNow();
    const slicer = new Slicer();
    // each read 10 ms after the last, however few steps ran between them: a busy host, not slow steps
    performance.now = () => { reads += 1; clock += 10; return clock; };
    const steps = 4_000;
    try {
      for (let i = 0; i < steps; i += 1) if (slicer.due) await slicer.pause();
    } finally {
      performance.now = realNow;
    }
    // a slice is two late reads and the one that starts the next: 3 reads per 16 steps at a stride of 8;
    // halved down to one read a step, it was 3 reads per 2 steps
    assert.ok(reads <= steps / 4, `${reads} clock reads over ${steps} steps`);
  });

  it('still ends a slice within ~100 ms when a run of quick steps turns 50 times slower', () => {
    // the steps' time is simulated (a busy host would otherwise stretch the real one): 0.1 µs each, then 100 µs
    const realNow = performance.now.bind(performance);
    let clock = 0;
    performance.now = () => clock;
    try {
      const slicer = new Slicer();
      let quick = 0;
      for (; quick < 100_000 && !slicer.due; quick += 1) clock += 0.0001; // quick steps: the stride grows to its bound
      assert.equal(quick, 100_000, 'the slice ended during the quick steps (10 ms of them)');
      const start = clock;
      for (;;) {
        clock += 0.1;
        if (slicer.due) break;
        assert.ok(clock - start < 1_000, 'the slice never ended');
      }
      const took = clock - start;
      assert.ok(took < SLICE_MS + 130, `the slice ended ${took.toFixed(0)} ms after the steps turned slow`);
    } finally {
      performance.now = realNow;
    }
  });

  it('still says a slice is over soon after 20 ms when each step takes 2 ms', () => {
    const slicer = new Slicer();
    const start = performance.now();
    let steps = 0;
    while (!slicer.due) {
      busy(2);
      steps += 1;
      assert.ok(steps < 1_000, 'the slice never ended');
    }
    const took = performance.now() - start;
    assert.ok(took >= SLICE_MS, `ended after ${took.toFixed(1)} ms`);
    // at most the stride's floor (8 steps) past the 20 ms
    assert.ok(steps <= SLICE_MS / 2 + 8, `${steps} steps of 2 ms before the slice ended`);
  });

  it('with a small maxStride, ends a slice on time when quick steps turn slow (a /proc listing read to its end)', () => {
    const slicer = new Slicer({ maxStride: 2 });
    for (let i = 0; i < 10_000 && !slicer.due; i += 1) { /* quick steps: the stride grows to its bound */ }
    let slow = 0;
    while (!slicer.due) {
      busy(5);
      slow += 1;
      assert.ok(slow < 1_000, 'the slice never ended');
    }
    // the default stride (up to 1,024) would have run hundreds of them
    assert.ok(slow <= SLICE_MS / 5 + 2, `${slow} slow steps of 5 ms before the slice ended`);
  });

  it('gives the event loop its turn when a loop asks `due`, then `pause()`, as the apply does', async () => {
    const slicer = new Slicer();
    let ticks = 0;
    const timer = setInterval(() => { ticks += 1; }, 1);
    try {
      const start = performance.now();
      while (performance.now() - start < 200) {
        busy(0.05);
        if (slicer.due) await slicer.pause();
      }
    } finally {
      clearInterval(timer);
    }
    assert.ok(ticks >= 3, `a 1 ms timer ran ${ticks} time(s) in 200 ms of sliced work`);
  });
});
