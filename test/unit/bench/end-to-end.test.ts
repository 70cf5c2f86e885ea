import assert from 'assert';
import { endToEndSteps, traceMarks } from '../../../bench/end-to-end';
import { applyWindows } from '../../../bench/proc';

// a lab rollout's stderr (LVSCTL_TRACE=1) and the director agent's log lines of the same run
const STDERR = [
  'lvsctl-trace 2026-12-03T18:28:17.709Z +130ms rollout modules loaded',
  'lvsctl-trace 2026-12-03T18:28:17.713Z +0ms command started',
  'lvsctl-trace 2026-12-03T18:28:20.202Z +2489ms plan loaded and validated',
  'lvsctl-trace 2026-12-03T18:28:20.220Z +2507ms host plans compiled',
  'lvsctl-trace 2026-12-03T18:28:20.642Z +2929ms connector made',
  'lvsctl-trace 2026-12-03T18:28:20.671Z +2958ms phase connect',
  'lvsctl-trace 2026-12-03T18:28:22.159Z +4446ms hello answered lvs1',
  'lvsctl-trace 2026-12-03T18:28:22.161Z +4448ms phase realservers',
  'lvsctl-trace 2026-12-03T18:28:22.164Z +4451ms apply called (apply) web1',
  'lvsctl-trace 2026-12-03T18:28:24.136Z +6423ms request encoded (636063 bytes) lvs1',
  'lvsctl-trace 2026-12-03T18:28:24.554Z +6841ms apply done (3 events) web1',
  'lvsctl-trace 2026-12-03T18:28:24.577Z +6864ms phase directors',
  'lvsctl-trace 2026-12-03T18:28:24.605Z +6892ms apply called (apply) lvs1',
  'lvsctl-trace 2026-12-03T18:28:28.392Z +10679ms apply done (2001 events) lvs1',
  'lvsctl-trace 2026-12-03T18:28:28.395Z +10682ms rollout done',
  'lvsctl-trace 2026-12-03T18:28:28.397Z +10684ms report written',
].join('\n');

const agentLog = (started: Record<string, unknown>): string => [
  JSON.stringify({ message: 'apply started', host: 'lvs1', generation: 7, mode: 'apply', timestamp: '2026-12-03T18:28:26.560Z', ...started }),
  JSON.stringify({ message: 'apply finished', host: 'lvs1', generation: 7, outcome: 'changed', changed: 22000, timestamp: '2026-12-03T18:28:28.200Z' }),
].join('\n');

describe('bench: a rollout end to end, step by step', () => {
  it('reads the trace marks, and nothing else, from the controller\'s stderr', () => {
    const marks = traceMarks(`lvsctl: a warning\n${STDERR}\n`);
    assert.strictEqual(marks.length, 16);
    assert.deepStrictEqual(marks[2], { at: Date.parse('2026-12-03T18:28:20.202Z'), text: 'plan loaded and validated' });
  });

  it('cuts the rollout where the marks and the agent\'s lines say, the steps adding up to the whole', () => {
    const [window] = applyWindows(agentLog({ decodeMs: 1634, decodeCpuMs: 890, decodePageFaults: 3098 }));
    const steps = endToEndSteps(traceMarks(STDERR), 'lvs1', window);
    assert.ok(steps);
    assert.deepStrictEqual(steps.map((s) => s.ms), [2493, 440, 1519, 2416, 349, 1634, 1640, 192, 5]);
    assert.strictEqual(steps.reduce((sum, s) => sum + s.ms, 0), Date.parse('2026-12-03T18:28:28.397Z') - Date.parse('2026-12-03T18:28:17.709Z'));
    assert.strictEqual(steps[5].note, '890 ms of CPU, 3,098 page faults');
    assert.strictEqual(steps[3].note, 'the director\'s request encoded meanwhile, by +1975 ms');
  });

  it('gives no steps when a mark or the decode is missing (an older controller or agent)', () => {
    const [withDecode] = applyWindows(agentLog({ decodeMs: 1634 }));
    assert.strictEqual(endToEndSteps(traceMarks(STDERR.replace(/.*phase directors\n/, '')), 'lvs1', withDecode), undefined);
    const [withoutDecode] = applyWindows(agentLog({}));
    assert.strictEqual(withoutDecode.decode, undefined);
    assert.strictEqual(endToEndSteps(traceMarks(STDERR), 'lvs1', withoutDecode), undefined);
    // an agent that logs the decode's time only: its step has no note
    assert.strictEqual(endToEndSteps(traceMarks(STDERR), 'lvs1', withDecode)?.[5].note, undefined);
  });
});
