import assert from 'assert';
import type { CommandDeadline } from '../../../controller/client/command-deadline';
import { EXIT } from '../../../controller/exit-codes';
import { executeConnections } from '../../../controller/fleet/connections-command';
import { executeHealth, READER_WENT_AWAY } from '../../../controller/fleet/health-command';
import { executeStatus } from '../../../controller/fleet/status-command';
import { directorHealth, directorStatus, fleetDeps, PLAN_PATH, realserverHealth } from './in-memory-readers';

/** The deps with the deadline each command hands its connector recorded. */
function recording(): { deps: ReturnType<typeof fleetDeps>; given: (CommandDeadline | undefined)[] } {
  const deps = fleetDeps({
    lvs: { health: directorHealth('up'), status: directorStatus([1, 1]), connections: [] },
    rs1: { health: realserverHealth('rs1', true) }, rs2: { health: realserverHealth('rs2', true) },
  });
  const given: (CommandDeadline | undefined)[] = [];
  const make = deps.makeConnector;
  deps.makeConnector = (deadline) => { given.push(deadline); return make(deadline); };
  return { deps, given };
}

describe('the deadline of health, status and connections', () => {
  it('is --deadline when given, counted from the command\'s start, and named as such', async () => {
    const { deps, given } = recording();
    const before = Date.now();
    assert.strictEqual(await executeStatus(PLAN_PATH, { bounds: { timeoutMs: 10_000, deadlineMs: 3000 } }, deps), EXIT.ok);
    assert.strictEqual(given.length, 1);
    assert.ok(given[0] && given[0].at >= before + 3000 && given[0].at <= Date.now() + 3000, JSON.stringify(given[0]));
    assert.strictEqual(given[0]?.text, 'the command\'s deadline (--deadline 3s)');
  });

  it('is derived from --timeout without --deadline: one per wave of 20 agents, plus one', async () => {
    const { deps, given } = recording();
    await executeHealth(PLAN_PATH, { bounds: { timeoutMs: 2000 } }, deps);
    await executeConnections(PLAN_PATH, { bounds: { timeoutMs: 2000 } }, deps);
    for (const d of given) assert.match(d?.text ?? '', /the command's deadline \(4s, derived from --timeout; set it with --deadline\)/);
  });

  it('is not set without bounds (callers that bring their own agents)', async () => {
    const { deps, given } = recording();
    await executeStatus(PLAN_PATH, {}, deps);
    assert.deepStrictEqual(given, [undefined]);
  });

  it('ends health --watch when given, as Ctrl-C would: every watch cancelled, exit 0', async () => {
    const { deps } = recording();
    // the in-memory watches run until cancelled
    const code = await executeHealth(PLAN_PATH, { watch: true, json: true, bounds: { timeoutMs: 1000, deadlineMs: 30 } }, deps);
    assert.strictEqual(code, EXIT.ok);
    assert.match(deps.out(), /"kind":"report"/);
  });

  it('counts a host whose agent sent no report before the watch ended as unreachable (exit 3), at --deadline or Ctrl-C', async () => {
    // lvs answers nothing on its watch: connected, silent, until the watch is stopped
    const agents = () => fleetDeps({ lvs: {}, rs1: { health: realserverHealth('rs1', true) }, rs2: { health: realserverHealth('rs2', true) } });
    const byDeadline = agents();
    assert.strictEqual(await executeHealth(PLAN_PATH, { watch: true, bounds: { timeoutMs: 1000, deadlineMs: 30 } }, byDeadline), EXIT.unreachable);
    assert.match(byDeadline.out(), /^lvs: unreachable: no report came from the agent of lvs before the watch reached --deadline 0\.03s; is lvsctl-agent running there\?/m);
    assert.doesNotMatch(byDeadline.out(), /^rs1: unreachable/m);

    const byCtrlC = agents();
    const abort = new AbortController();
    const running = executeHealth(PLAN_PATH, { watch: true, json: true }, { ...byCtrlC, signal: abort.signal });
    await new Promise((resolve) => setTimeout(resolve, 20));
    abort.abort();
    assert.strictEqual(await running, EXIT.unreachable);
    const lines = byCtrlC.out().trim().split('\n').map((l) => JSON.parse(l) as { host: string; kind: string; reason?: string });
    assert.deepStrictEqual(lines.filter((l) => l.kind === 'unreachable').map((l) => [l.host, l.reason]),
      [['lvs', 'no report came from the agent of lvs before the watch was interrupted; is lvsctl-agent running there? see its log']]);
  });

  it('judges no host when the watch ended because its reader went away (| head -1): exit 0, no unreachable line', async () => {
    const silentLvs = fleetDeps({ lvs: {}, rs1: { health: realserverHealth('rs1', true) }, rs2: { health: realserverHealth('rs2', true) } });
    const abort = new AbortController();
    const running = executeHealth(PLAN_PATH, { watch: true, json: true }, { ...silentLvs, signal: abort.signal });
    await new Promise((resolve) => setTimeout(resolve, 20));
    abort.abort(READER_WENT_AWAY);
    assert.strictEqual(await running, EXIT.ok);
    assert.doesNotMatch(silentLvs.out(), /unreachable/);
  });
});
