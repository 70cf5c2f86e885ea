// Issue #6, all realservers down, on the real kernel: the plan's sorry server (r3, a
// realserver of another service, so it holds the VIP for DR) sits in the director's table at
// weight 0 after the rollout; both realservers' HTTP servers stopped → it is raised to 1 and
// answers the client's requests through the VIP; one realserver back → sorry server at 0 again.
import { strict as assert } from 'node:assert';
import type { PlanInput } from '../../controller/plan/schema';
import { startLabCluster, type LabCluster } from './support/cluster';
import {
  answerOf, CLUSTER_HOOK_TIMEOUT_MS, explain, findDestination, ipvsDestinations, lvsctlJson, startRealserverHttp, waitUntil,
  type HealthJson, type RealserverHttp,
} from './support/health-helpers';
import { countByServer, httpRequests, startHttpServer, type RunningServer } from './support/http';
import { LAB_HOOK_TIMEOUT_MS, LAB_TEST_TIMEOUT_MS, requireLabGuest } from './support/lab-guard';

const VIP = '10.0.0.100';
const SERVICE = `TCP ${VIP}:80`;
const ADDRESS: Record<string, string> = { r1: '10.0.0.11', r2: '10.0.0.12', r3: '10.0.0.13' };
// 1 s checks with an 800 ms timeout: a 300 ms timeout flapped r1 on a loaded 2-core host.
const INTERVAL_MS = 1000;
const FALL = 2;
const RISE = 2;
/** UML's process starts on top of the agent's own bound (see health.test.ts for the measurements). */
const UML_SLACK_MS = 8000;
const BOUND_MS = Math.max(FALL, RISE) * INTERVAL_MS + INTERVAL_MS + UML_SLACK_MS;

const plan: PlanInput = {
  apiVersion: 'lvsctl/v1',
  cluster: 'lab-sorry',
  hosts: {
    d: { role: 'director', address: '10.0.0.1' },
    r1: { role: 'realserver', address: ADDRESS.r1 },
    r2: { role: 'realserver', address: ADDRESS.r2 },
    r3: { role: 'realserver', address: ADDRESS.r3 },
  },
  services: [
    {
      name: 'web', protocol: 'tcp', vip: VIP, port: 80, scheduler: 'rr',
      healthCheck: { type: 'http', path: '/', interval: `${INTERVAL_MS}ms`, timeout: '800ms', fall: FALL, rise: RISE },
      sorryServer: { address: ADDRESS.r3 },
      realservers: [{ host: 'r1' }, { host: 'r2' }],
    },
    // r3 serves something else, so it is a prepared DR realserver holding the VIP.
    { name: 'other', protocol: 'tcp', vip: VIP, port: 8080, scheduler: 'rr', realservers: [{ host: 'r3' }] },
  ],
};

async function weights(): Promise<{ text: string; of: (host: string) => number | undefined }> {
  const { text, rows } = await ipvsDestinations('d');
  return { text, of: (host) => findDestination(rows, SERVICE, `${ADDRESS[host]}:80`)?.weight };
}

describe('sorry server: takes the VIP\'s new connections while every realserver is down', function () {
  this.timeout(LAB_TEST_TIMEOUT_MS * 2);
  let cluster: LabCluster | undefined;
  let http: RealserverHttp | undefined;
  let other: RunningServer | undefined;

  before(async function () {
    this.timeout(CLUSTER_HOOK_TIMEOUT_MS);
    requireLabGuest();
    cluster = await startLabCluster(plan, { prepareRealservers: true });
    http = await startRealserverHttp(['r1', 'r2', 'r3'], 80);
    other = await startHttpServer('r3', 8080, 'r3');
    const rollout = await cluster.rollout();
    assert.equal(rollout.code, 0, `the rollout must apply the plan:\n${explain(rollout)}`);
  });

  after(async function () {
    this.timeout(LAB_HOOK_TIMEOUT_MS);
    await http?.stopAll().catch(() => undefined);
    await other?.stop().catch(() => undefined);
    await cluster?.teardown();
  });

  it('is in the table at weight 0 after the rollout, and the realservers answer', async () => {
    // bounded wait, not one read: the first checks may still be under way right after the rollout
    const seen = (await waitUntil('r1 and r2 at weight 1, the sorry server at 0', weights,
      (w) => w.of('r1') === 1 && w.of('r2') === 1 && w.of('r3') === 0, { timeoutMs: BOUND_MS, describe: (w) => w.text })).value;
    assert.deepEqual([seen.of('r1'), seen.of('r2'), seen.of('r3')], [1, 1, 0], seen.text);
    const answers = countByServer(await httpRequests('client', `http://${VIP}/`, 4));
    assert.equal(answers.r3, undefined, `the sorry server takes nothing while the realservers serve: ${JSON.stringify(answers)}`);
  });

  it('answers through the VIP once both realservers\' HTTP servers stopped, and stands by again when one is back', async () => {
    const lab = cluster as LabCluster;
    const servers = http as RealserverHttp;
    await servers.stop('r1');
    await servers.stop('r2');
    const raised = await waitUntil('sorry server at weight 1, r1 and r2 at 0', weights,
      (seen) => seen.of('r3') === 1 && seen.of('r1') === 0 && seen.of('r2') === 0, { timeoutMs: BOUND_MS * 2, describe: (seen) => seen.text });
    console.log(`      sorry server raised ${raised.elapsedMs} ms after the last wait began`);
    assert.deepEqual(countByServer(await httpRequests('client', `http://${VIP}/`, 4)), { r3: 4 }, 'every new request goes to the sorry server');

    await servers.start('r2');
    await waitUntil('r2 back at weight 1, sorry server at 0', weights,
      (seen) => seen.of('r2') === 1 && seen.of('r3') === 0, { timeoutMs: BOUND_MS, describe: (seen) => seen.text });
    assert.deepEqual(countByServer(await httpRequests('client', `http://${VIP}/`, 4)), { r2: 4 }, 'new requests go to r2 again');

    const { result, json } = await lvsctlJson<HealthJson>(lab, 'health');
    const director = answerOf(json, 'd', result.stdout);
    const sorry = (director.events ?? []).filter((e) => e.kind === 'transition' && e.host === 'sorry-server');
    assert.deepEqual(sorry.map((e) => `${e.from} → ${e.to}`), ['down → up', 'up → down'], JSON.stringify(director.events, null, 2));
    assert.match(sorry[0]?.message ?? '', /every realserver of web is down/);
  });
});
