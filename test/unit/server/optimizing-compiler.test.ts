// --optimizing-compiler: what auto decides, what the option accepts, and that the decision
// reaches V8 (a flag V8 does not know is ignored without a word, so only a function left
// unoptimized after running hot shows the flag took).
import assert from 'assert';
import { execFileSync } from 'child_process';
import { join } from 'path';
import { decideOptimizingCompiler, describeOptimizingCompiler, setOptimizingCompiler } from '../../../agent/optimizing-compiler';
import { resolveAgentConfig } from '../../../agent/server/agent-config';

// dist/test/unit/server/ → dist/agent/optimizing-compiler.js
const MODULE = join(__dirname, '..', '..', '..', 'agent', 'optimizing-compiler.js');

/** V8's OptimizationStatus bit for "runs TurboFan code" (%GetOptimizationStatus, src/runtime/runtime-test.cc) */
const TURBOFANNED = 1 << 6;

/** Runs a hot function in a node of its own after setOptimizingCompiler(choice, cpus); returns whether V8 optimized it. */
function optimizedAfterRunningHot(choice: string, cpus: number): boolean {
  const script = [
    `require(${JSON.stringify(MODULE)}).setOptimizingCompiler(${JSON.stringify(choice)}, ${cpus});`,
    'function hot(x) { let s = 0; for (let i = 0; i < 100; i++) s += (x * i) % 7; return s; }',
    'let total = 0; for (let i = 0; i < 200000; i++) total += hot(i);',
    'process.stdout.write(String(%GetOptimizationStatus(hot)));',
  ].join('\n');
  // synchronous optimization: the status is final once the loop ends
  const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--no-concurrent-recompilation', '-e', script], { encoding: 'utf8' });
  return (Number(out) & TURBOFANNED) !== 0;
}

describe('--optimizing-compiler', () => {
  it('auto: off on one CPU, on with more', () => {
    assert.deepStrictEqual(decideOptimizingCompiler('auto', 1), { on: false, reason: 'auto: one CPU, where its compilations take the CPU from the apply' });
    assert.deepStrictEqual(decideOptimizingCompiler('auto', 2), { on: true, reason: 'auto: 2 CPUs' });
    assert.equal(describeOptimizingCompiler(decideOptimizingCompiler('auto', 8)), 'on (auto: 8 CPUs)');
  });

  it('on and off hold whatever the CPUs', () => {
    assert.equal(decideOptimizingCompiler('on', 1).on, true);
    assert.equal(decideOptimizingCompiler('off', 64).on, false);
    assert.equal(describeOptimizingCompiler(decideOptimizingCompiler('off', 64)), 'off (--optimizing-compiler off)');
  });

  it('sets V8\'s flag only to turn the compiler off', () => {
    const set: string[] = [];
    setOptimizingCompiler('auto', 1, (flags) => set.push(flags));
    setOptimizingCompiler('auto', 4, (flags) => set.push(flags));
    setOptimizingCompiler('on', 1, (flags) => set.push(flags));
    assert.deepStrictEqual(set, ['--no-turbofan']);
  });

  it('off: V8 leaves a hot function unoptimized; on: it optimizes it', function () {
    this.timeout(20_000);
    assert.equal(optimizedAfterRunningHot('off', 4), false, 'off did not reach V8');
    assert.equal(optimizedAfterRunningHot('auto', 1), false, 'auto on one CPU did not reach V8');
    assert.equal(optimizedAfterRunningHot('on', 1), true, 'the hot function was not optimized with the compiler on: the test proves nothing');
  });

  describe('as an option', () => {
    const options = { role: 'director', listen: '127.0.0.1:7400', stateDir: '/var/lib/lvsctl', iptables: 'auto', logLevel: 'info', insecure: true };

    it('is auto unless given, and takes on or off', () => {
      assert.equal(resolveAgentConfig(options).optimizingCompiler, 'auto');
      assert.equal(resolveAgentConfig({ ...options, optimizingCompiler: 'on' }).optimizingCompiler, 'on');
      assert.equal(resolveAgentConfig({ ...options, optimizingCompiler: 'off' }).optimizingCompiler, 'off');
    });

    it('refuses anything else, naming the choices', () => {
      assert.throws(() => resolveAgentConfig({ ...options, optimizingCompiler: 'turbofan' }), /^AgentConfigError: --optimizing-compiler "turbofan": must be one of auto, on, off$/);
    });
  });
});
