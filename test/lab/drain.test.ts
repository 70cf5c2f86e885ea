// Issue #6 (graceful drain) on the real kernel, agent-driven: a rollout of a plan that drops
// r2 while a client holds a TCP connection to r2 through the VIP sets r2 to weight 0 and
// leaves it listed; the held connection keeps working across a sweep; once it closes, the
// agent's own sweep (every 10 s) deletes r2 without any further rollout.
import { strict as assert } from 'node:assert';
import type { PlanInput } from '../../controller/plan/schema';
import { startLabCluster, type LabCluster } from './support/cluster';
import { CLUSTER_HOOK_TIMEOUT_MS, explain, findDestination, ipvsDestinations, waitUntil } from './support/health-helpers';
import { holdConnection, startEchoServer, type HeldConnection } from './support/kernel-state';
import { LAB_HOOK_TIMEOUT_MS, LAB_TEST_TIMEOUT_MS, requireLabGuest } from './support/lab-guard';
import { inNetns, sleep } from './support/netns';

const VIP = '10.0.0.100';
const PORT = 7000;
const SERVICE = `TCP ${VIP}:${PORT}`;
const R2 = `10.0.0.12:${PORT}`;
/** the agent's sweep period (agent/start.ts DRAIN_SWEEP_INTERVAL_MS) */
const SWEEP_INTERVAL_MS = 10_000;
/**
 * IPVS keeps a closed DR connection as FIN_WAIT (InActConn) for `tcpfin` seconds, 120 by
 * default: far too long for a test. The lab sets it to 5 s in the director's namespace.
 */
const TCP_FIN_TIMEOUT_S = 5;
/** Long enough that a deletion within the test can only be the "no connections left" kind. */
const DRAIN_TIMEOUT = '300s';
/** Reads and process starts in a loaded guest; measured: deleted 6.4 s and 14.1 s after the close (load 3 to 6). */
const UML_SLACK_MS = 15_000;

const realservers = [{ host: 'r1' }, { host: 'r2' }];
const plan: PlanInput = {
  apiVersion: 'lvsctl/v1',
  cluster: 'lab-drain',
  hosts: {
    d: { role: 'director', address: '10.0.0.1' },
    r1: { role: 'realserver', address: '10.0.0.11' },
    r2: { role: 'realserver', address: '10.0.0.12' },
  },
  services: [{ name: 'echo', protocol: 'tcp', vip: VIP, port: PORT, scheduler: 'rr', forwarding: 'dr', realservers }],
};
const withoutR2: PlanInput = { ...plan, services: [{ ...plan.services[0]!, realservers: [{ host: 'r1' }] }] };

async function r2Row(): Promise<{ row: ReturnType<typeof findDestination>; text: string }> {
  const { text, rows } = await ipvsDestinations('d');
  return { row: findDestination(rows, SERVICE, R2), text };
}

describe('Graceful drain: a realserver dropped from the plan keeps its open connection, then the sweep deletes it', function () {
  // a rollout, three client programs and two sweep periods: 97 s in a guest at load 6
  this.timeout(LAB_TEST_TIMEOUT_MS * 2);
  let cluster: LabCluster | undefined;
  const held: HeldConnection[] = [];

  before(async function () {
    this.timeout(CLUSTER_HOOK_TIMEOUT_MS);
    requireLabGuest();
    cluster = await startLabCluster(plan, { prepareRealservers: true, agentArgs: { d: ['--drain-timeout', DRAIN_TIMEOUT] } });
    for (const host of ['r1', 'r2']) await startEchoServer(host, PORT, host);
    // ipvsadm --set TCP TCPFIN UDP; 0 keeps a value as it is.
    await inNetns('d', 'ipvsadm', ['--set', '0', String(TCP_FIN_TIMEOUT_S), '0']);
    const rollout = await cluster.rollout();
    assert.equal(rollout.code, 0, `the rollout must apply the plan:\n${explain(rollout)}`);
  });

  after(async function () {
    this.timeout(LAB_HOOK_TIMEOUT_MS);
    for (const connection of held.splice(0)) await connection.close().catch(() => undefined);
    await cluster?.teardown();
  });

  it('drops r2 to weight 0 while a held connection to it keeps working, then deletes it after the connection closes', async () => {
    const lab = cluster as LabCluster;
    // rr sends two new connections to the two realservers: keep the one r2 answers.
    for (let i = 0; i < 2; i += 1) held.push(await holdConnection('client', VIP, PORT));
    const answers = await Promise.all(held.map((c) => c.exchange('hello')));
    assert.deepEqual([...answers].sort(), ['r1 hello', 'r2 hello'], 'rr spreads the two connections over r1 and r2');
    const toR2 = held[answers.indexOf('r2 hello')] as HeldConnection;

    await lab.writePlan(withoutR2);
    const rollout = await lab.rollout();

    assert.equal(rollout.code, 0, explain(rollout));
    assert.match(rollout.stdout, new RegExp(`^d\\s+changed\\s+drain-destination tcp ${VIP}:${PORT} -> ${R2}`, 'm'), explain(rollout));
    const drained = await r2Row();
    assert.ok(drained.row, `r2 must still be listed (draining, not deleted):\n${drained.text}`);
    assert.equal(drained.row.weight, 0, drained.text);
    assert.equal(drained.row.active, 1, `the held connection is r2's one active connection:\n${drained.text}`);
    assert.equal(await toR2.exchange('still there?'), 'r2 still there?');

    // A sweep runs while the connection is open: it must leave r2 alone.
    await sleep(SWEEP_INTERVAL_MS + 1000);
    const afterSweep = await r2Row();
    assert.equal(afterSweep.row?.weight, 0, `r2 is still draining after a sweep:\n${afterSweep.text}`);
    assert.equal(await toR2.exchange('after a sweep'), 'r2 after a sweep');
    const fresh = await holdConnection('client', VIP, PORT);
    held.push(fresh);
    assert.equal(await fresh.exchange('new'), 'r1 new', 'a new connection goes to r1 only');

    await toR2.close();
    const bound = TCP_FIN_TIMEOUT_S * 1000 + SWEEP_INTERVAL_MS + UML_SLACK_MS;
    const gone = await waitUntil('r2 deleted by the sweep once its connection ended', r2Row, (seen) => seen.row === undefined,
      { timeoutMs: bound, intervalMs: 500, describe: (seen) => seen.text });
    console.log(`      r2 deleted ${gone.elapsedMs} ms after its last connection closed (bound ${bound} ms = tcpfin ${TCP_FIN_TIMEOUT_S} s + sweep ${SWEEP_INTERVAL_MS / 1000} s + slack)`);
    const log = await lab.agentLog('d');
    assert.match(log, /drained destination deleted[^\n]*no connections left/, `the agent says why it deleted r2:\n${log.split('\n').filter((l) => l.includes('drain')).join('\n')}`);
    const remaining = await ipvsDestinations('d');
    assert.ok(findDestination(remaining.rows, SERVICE, `10.0.0.11:${PORT}`), `r1 stays:\n${remaining.text}`);
  });
});
