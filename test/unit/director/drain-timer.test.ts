import assert from 'assert';
import winston from 'winston';
import { Writable } from 'stream';
import { startDrainTimer } from '../../../agent/director/drain-timer';
import type { DrainSweepResult } from '../../../agent/director/drain-sweeper';

/** A logger whose JSON lines land in `entries`. */
function capturingLogger() {
  const entries: Array<{ level: string; message: string }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, next) {
      entries.push(JSON.parse(chunk.toString()) as { level: string; message: string });
      next();
    },
  });
  const logger = winston.createLogger({ format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] });
  return { logger, capture: { entries } };
}

function rig(sweep: () => Promise<DrainSweepResult>) {
  const { logger, capture } = capturingLogger();
  let tick: (() => void) | undefined;
  let cleared = false;
  const timer = startDrainTimer({
    sweeper: { sweep },
    intervalMs: 10_000,
    logger,
    setInterval: (fn) => {
      tick = fn;
      return {};
    },
    clearInterval: () => {
      cleared = true;
    },
  });
  return { timer, capture, tick: () => tick?.(), wasCleared: () => cleared };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('the drain sweep timer of a director agent', () => {
  it('sweeps at every tick and logs the realservers it deleted', async () => {
    let sweeps = 0;
    const r = rig(async () => {
      sweeps += 1;
      return { removed: ['tcp 10.0.0.100:80 -> 10.0.0.12:80'], waiting: [] };
    });
    r.tick();
    await settle();
    r.tick();
    await settle();
    assert.strictEqual(sweeps, 2);
    assert.ok(r.capture.entries.some((e) => e.message === 'drained realservers deleted'));
    await r.timer.stop();
  });

  it('never starts a sweep while the previous one is still running', async () => {
    let sweeps = 0;
    let finish: (() => void) | undefined;
    const r = rig(() => {
      sweeps += 1;
      return new Promise((resolve) => {
        finish = () => resolve({ removed: [], waiting: ['x'] });
      });
    });
    r.tick();
    r.tick();
    r.tick();
    assert.strictEqual(sweeps, 1);
    finish?.();
    await settle();
    r.tick();
    assert.strictEqual(sweeps, 2);
    finish?.();
    await r.timer.stop();
  });

  it('logs a failed sweep as a warning and goes on ticking', async () => {
    let sweeps = 0;
    const r = rig(async () => {
      sweeps += 1;
      if (sweeps === 1) throw new Error('ipvsadm: command not found');
      return { removed: [], waiting: [] };
    });
    r.tick();
    await settle();
    r.tick();
    await settle();
    assert.strictEqual(sweeps, 2);
    const warning = r.capture.entries.find((e) => e.level === 'warn');
    assert.ok(warning && /drain sweep failed/.test(warning.message));
  });

  it('stops its interval and waits for the sweep in flight', async () => {
    let done = false;
    const r = rig(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      done = true;
      return { removed: [], waiting: [] };
    });
    r.tick();
    await r.timer.stop();
    assert.ok(r.wasCleared());
    assert.ok(done, 'stop() resolved before the sweep in flight ended');
  });
});
