// Issue #6 on the real kernel, agent-driven: the director agent's HTTP health check
// quiesces a realserver whose server stopped (weight 0 in `ipvsadm -Ln`), a persistent
// client's new requests go elsewhere (expire_quiescent_template), the plan weight comes back
// on recovery, and `lvsctl health / status / connections --json` and the agent's /metrics
// say what the kernel says.
import { strict as assert } from 'node:assert';
import type { PlanInput } from '../../controller/plan/schema';
import { startLabCluster, type LabCluster } from './support/cluster';
import {
  answerOf, CLUSTER_HOOK_TIMEOUT_MS, explain, findDestination, ipvsDestinations, ipvsStats, lvsctlJson, metricValue, parseMetrics, scrapeMetrics, startRealserverHttp, waitUntil,
  type ConnectionsJson, type HealthJson, type RealserverHttp, type StatusJson,
} from './support/health-helpers';
import { countByServer, httpRequests } from './support/http';
import { ipvsConnections, isTemplate } from './support/ipvsadm';
import { LAB_HOOK_TIMEOUT_MS, LAB_TEST_TIMEOUT_MS, requireLabGuest } from './support/lab-guard';

const VIP = '10.0.0.100';
const SERVICE = `TCP ${VIP}:80`;
const CLIENT = '10.0.0.200';
const ADDRESS: Record<string, string> = { r1: '10.0.0.11', r2: '10.0.0.12' };
// Distinct plan weights, so "back to the plan weight" cannot be confused with a default 1.
const PLAN_WEIGHT: Record<string, number> = { r1: 2, r2: 3 };
const INTERVAL_MS = 500;
const FALL = 2;
const RISE = 2;
/**
 * What UML adds on top of the agent's own bound (one interval): the weight batch is an
 * `ipvsadm -R` process and each poll of ours an `ip netns exec … ipvsadm` process, each
 * taking up to a second or two in a loaded guest (a bare `node -e` took 3.5 s there).
 * Measured on a 2-core host at load 3 to 4: weight 0 seen 3.2 s after the stop, the plan
 * weight seen back 5.6 s after the restart (bound without slack: 1.5 s each).
 */
const UML_SLACK_MS = 8000;
const QUIESCE_BOUND_MS = FALL * INTERVAL_MS + INTERVAL_MS + UML_SLACK_MS;
const RECOVERY_BOUND_MS = RISE * INTERVAL_MS + INTERVAL_MS + UML_SLACK_MS;
/** The realservers' self-checks run every 1 s here; UML slack on top, as for the other bounds. */
const SELF_CHECK_BOUND_MS = 15_000;
const METRICS_LISTEN = '127.0.0.1:9400';

const plan: PlanInput = {
  apiVersion: 'lvsctl/v1',
  cluster: 'lab-health',
  hosts: {
    d: { role: 'director', address: '10.0.0.1' },
    r1: { role: 'realserver', address: ADDRESS.r1 },
    r2: { role: 'realserver', address: ADDRESS.r2 },
  },
  services: [{
    name: 'web', protocol: 'tcp', vip: VIP, port: 80, scheduler: 'rr', persistence: { timeout: 360 },
    healthCheck: { type: 'http', path: '/', interval: `${INTERVAL_MS}ms`, timeout: '300ms', fall: FALL, rise: RISE },
    realservers: [{ host: 'r1', weight: PLAN_WEIGHT.r1 }, { host: 'r2', weight: PLAN_WEIGHT.r2 }],
  }],
};

function other(host: string): string {
  return host === 'r1' ? 'r2' : 'r1';
}

async function weightOf(host: string): Promise<{ weight: number | undefined; text: string }> {
  const { text, rows } = await ipvsDestinations('d');
  return { weight: findDestination(rows, SERVICE, `${ADDRESS[host]}:80`)?.weight, text };
}

describe('Health: an HTTP check quiesces a failed realserver, persistence follows, recovery and metrics', function () {
  // two lvsctl runs in one test took 100 s in a guest at load 6 (each a node start of many seconds)
  this.timeout(LAB_TEST_TIMEOUT_MS * 2);
  let cluster: LabCluster | undefined;
  let http: RealserverHttp | undefined;
  /** the realserver the client's template pointed at first: the one whose server is stopped */
  let pinned = '';
  let stoppedAt = 0;

  before(async function () {
    this.timeout(CLUSTER_HOOK_TIMEOUT_MS);
    requireLabGuest();
    cluster = await startLabCluster(plan, { prepareRealservers: true, agentArgs: { d: ['--metrics', METRICS_LISTEN], r1: ['--self-check-interval', '1s'], r2: ['--self-check-interval', '1s'] } });
    http = await startRealserverHttp(['r1', 'r2'], 80);
    const rollout = await cluster.rollout();
    assert.equal(rollout.code, 0, `the rollout must apply the plan:\n${explain(rollout)}`);
  });

  after(async function () {
    this.timeout(LAB_HOOK_TIMEOUT_MS);
    await http?.stopAll().catch(() => undefined);
    await cluster?.teardown();
  });

  it('quiesces the realserver whose HTTP server stopped (weight 0, still listed) and sends the persistent client elsewhere', async () => {
    const first = await httpRequests('client', `http://${VIP}/`, 4);
    const counts = countByServer(first);
    assert.equal(Object.keys(counts).length, 1, `persistence should pin the client to one realserver: ${JSON.stringify(counts)}`);
    pinned = Object.keys(counts)[0] as string;
    assert.ok(pinned === 'r1' || pinned === 'r2', `answered by ${pinned}`);

    stoppedAt = Date.now();
    await (http as RealserverHttp).stop(pinned);
    const quiesced = await waitUntil(`${pinned} at weight 0 in ipvsadm -Ln`, () => weightOf(pinned), (seen) => seen.weight === 0,
      { timeoutMs: QUIESCE_BOUND_MS, describe: (seen) => seen.text });
    console.log(`      ${pinned} seen at weight 0 ${quiesced.elapsedMs} ms after its HTTP server stopped (that read took ${quiesced.readMs} ms; bound ${QUIESCE_BOUND_MS} ms = ${FALL} × ${INTERVAL_MS} + ${INTERVAL_MS} + UML slack ${UML_SLACK_MS})`);
    assert.equal((await weightOf(other(pinned))).weight, PLAN_WEIGHT[other(pinned)], 'the other realserver keeps its plan weight');

    const after = await httpRequests('client', `http://${VIP}/`, 6);
    assert.deepEqual(countByServer(after), { [other(pinned)]: 6 }, `new requests must avoid the quiesced ${pinned}: ${JSON.stringify(after)}`);
    const { text, connections } = await ipvsConnections('d');
    const template = connections.find((c) => isTemplate(c) && c.source.address === CLIENT && c.virtual.address === VIP);
    assert.ok(template, `the client keeps a persistence template:\n${text}`);
    assert.equal(template.destination.address, ADDRESS[other(pinned)], `the template now points at ${other(pinned)}:\n${text}`);
    const stillListed = findDestination((await ipvsDestinations('d')).rows, SERVICE, `${ADDRESS[pinned]}:80`);
    assert.ok(stillListed, `${pinned} is quiesced, not deleted`);
  });

  it('keeps the dead realserver at weight 0 through a rollout that changes the plan (sampled during the rollout), traffic still flowing', async () => {
    assert.ok(pinned !== '', 'runs after the quiesce test');
    const lab = cluster as LabCluster;
    const seen: Array<number | undefined> = [];
    let sampling = true;
    // Sample the dead realserver's weight in the kernel for as long as the rollout runs.
    const sampler = (async () => {
      while (sampling) seen.push((await weightOf(pinned)).weight);
    })();
    // A changed plan: the scheduler and the live realserver's weight change; the dead one's plan weight rises.
    const changed = structuredClone(plan);
    const service = (changed.services ?? [])[0] as { scheduler: string; realservers: Array<{ host: string; weight: number }> };
    service.scheduler = 'wrr';
    for (const r of service.realservers) r.weight = r.host === pinned ? 7 : PLAN_WEIGHT[r.host] + 1;
    await lab.writePlan(changed);
    const rollout = await lab.rollout();
    sampling = false;
    await sampler;
    seen.push((await weightOf(pinned)).weight);
    assert.equal(rollout.code, 0, `the changed plan must apply:\n${explain(rollout)}`);
    console.log(`      ${pinned}'s weight sampled ${seen.length} times during and after the rollout: ${[...new Set(seen)].join(', ')}`);
    assert.ok(seen.length >= 2, 'sampled during the rollout');
    assert.deepEqual([...new Set(seen)], [0], `${pinned} must stay at weight 0 in every sample: ${JSON.stringify(seen)}`);
    assert.equal((await weightOf(other(pinned))).weight, PLAN_WEIGHT[other(pinned)] + 1, 'the live realserver took its new plan weight');
    const after = await httpRequests('client', `http://${VIP}/`, 4);
    assert.deepEqual(countByServer(after), { [other(pinned)]: 4 }, `traffic keeps flowing to the live realserver: ${JSON.stringify(after)}`);
    // Put the original plan back for the recovery test that follows.
    await lab.writePlan(plan);
    const back = await lab.rollout();
    assert.equal(back.code, 0, explain(back));
    assert.equal((await weightOf(pinned)).weight, 0, `${pinned} still at 0 after the plan went back`);
  });

  it('gives the realserver its plan weight back once its HTTP server answers again; lvsctl health --json shows both transitions, status no drift', async () => {
    assert.ok(pinned !== '', 'runs after the quiesce test');
    const lab = cluster as LabCluster;

    await (http as RealserverHttp).start(pinned);
    const listeningAt = Date.now();
    const back = await waitUntil(`${pinned} back at weight ${PLAN_WEIGHT[pinned]}`, () => weightOf(pinned), (seen) => seen.weight === PLAN_WEIGHT[pinned],
      { timeoutMs: RECOVERY_BOUND_MS, describe: (seen) => seen.text });
    console.log(`      ${pinned} seen back at weight ${PLAN_WEIGHT[pinned]} ${back.elapsedMs} ms after its HTTP server listened again (that read took ${back.readMs} ms; bound ${RECOVERY_BOUND_MS} ms)`);

    // The realserver's own checks (every --self-check-interval, 1 s here) must also see its port
    // listening again before health is all green: wait for that, bounded.
    const healthy = await waitUntil('lvsctl health --json exits 0', () => lvsctlJson<HealthJson>(lab, 'health'), (seen) => seen.result.code === 0,
      { timeoutMs: SELF_CHECK_BOUND_MS, describe: (seen) => explain(seen.result) });
    const { result, json } = healthy.value;
    assert.equal(result.code, 0, explain(result));
    const director = answerOf(json, 'd', result.stdout);
    const row = (director.targets ?? []).find((t) => t.host === pinned);
    assert.equal(row?.state, 'up', result.stdout);
    assert.equal(row?.currentWeight, PLAN_WEIGHT[pinned]);
    const events = JSON.stringify(director.events, null, 2);
    const transitions = (director.events ?? []).filter((e) => e.kind === 'transition' && e.host === pinned);
    const down = transitions.findIndex((e) => e.from === 'up' && e.to === 'down');
    assert.ok(down >= 0, `an up → down transition of ${pinned}:\n${events}`);
    assert.match(transitions[down]?.message ?? '', /ECONNREFUSED/, `the reason says what the check saw:\n${events}`);
    const up = transitions.findIndex((e, i) => i > down && e.from === 'down' && e.to === 'up');
    assert.ok(up > down, `a down → up transition after it:\n${events}`);
    assert.match(transitions[up]?.message ?? '', /2 checks passed/);
    // The agent's clock is the guest's, as is ours: its event times say how long it took to judge.
    const judgedDown = Date.parse(transitions[down]?.at ?? '') - stoppedAt;
    const judgedUp = Date.parse(transitions[up]?.at ?? '') - listeningAt;
    console.log(`      the agent judged ${pinned} down ${judgedDown} ms after the stop, up ${judgedUp} ms after it listened (its own event times)`);
    assert.ok(judgedDown > 0 && judgedDown <= QUIESCE_BOUND_MS, `down judged ${judgedDown} ms after the stop:\n${events}`);

    const status = await lvsctlJson<StatusJson>(lab, 'status');
    assert.equal(status.result.code, 0, explain(status.result));
    assert.deepEqual(answerOf(status.json, 'd', status.result.stdout).drift, [], status.result.stdout);
  });

  it('lists the client\'s persistence template (client port 0) in lvsctl connections --json', async () => {
    const lab = cluster as LabCluster;
    const [answer] = await httpRequests('client', `http://${VIP}/`, 1);
    assert.ok(answer?.server === 'r1' || answer?.server === 'r2', `request failed: ${JSON.stringify(answer)}`);

    const { result, json } = await lvsctlJson<ConnectionsJson>(lab, 'connections', ['--client', CLIENT]);

    assert.equal(result.code, 0, explain(result));
    const entries = answerOf(json, 'd', result.stdout).connections ?? [];
    const template = entries.find((c) => c.template && c.client.address === CLIENT && c.client.port === 0 && c.virtual.address === VIP && c.virtual.port === 80);
    assert.ok(template, `no template of ${CLIENT} for ${VIP}:80 in:\n${result.stdout}`);
    assert.equal(template.realserver, answer.server, 'the template names the realserver that answered');
    assert.equal(template.destination.address, ADDRESS[answer.server]);
    assert.ok(entries.some((c) => !c.template && c.client.port !== 0), `the client's own connections are listed too:\n${result.stdout}`);
  });

  it('serves /metrics over HTTP with the same per-realserver counters as ipvsadm -Ln --stats --exact', async () => {
    // its own 16 requests, so the count below holds when this test runs alone (--grep)
    await httpRequests('client', `http://${VIP}/`, 16);
    // The same moment: an ipvsadm read on each side of the scrape; equal reads mean no packet came between.
    const { value } = await waitUntil('ipvsadm counters unchanged across one scrape', async () => {
      const before = await ipvsStats('d');
      const metrics = await scrapeMetrics('d', `http://${METRICS_LISTEN}/metrics`);
      const after = await ipvsStats('d');
      return { before, metrics, after };
    }, (seen) => seen.before.text === seen.after.text, { timeoutMs: 30_000, intervalMs: 500, describe: (seen) => `${seen.before.text}\n${seen.after.text}` });

    const samples = parseMetrics(value.metrics);
    const where = `ipvsadm -Ln --stats --exact:\n${value.before.text}\n/metrics:\n${value.metrics.split('\n').filter((l) => l.startsWith('lvsctl_ipvs') || l.startsWith('lvsctl_health_state')).join('\n')}`;
    assert.equal(metricValue(samples, 'lvsctl_ipvs_up'), 1, where);
    const service = value.before.counters.get(SERVICE);
    assert.ok(service, `no ${SERVICE} in ${where}`);
    assert.ok(service.connections >= 16, `the client's requests were counted: ${where}`);
    const label = `tcp ${VIP}:80`;
    assert.equal(metricValue(samples, 'lvsctl_ipvs_service_connections_total', { service: label }), service.connections, where);
    assert.equal(metricValue(samples, 'lvsctl_ipvs_service_incoming_bytes_total', { service: label }), service.inBytes, where);
    for (const host of ['r1', 'r2']) {
      const realserver = `${ADDRESS[host]}:80`;
      const kernel = value.before.counters.get(`${SERVICE} -> ${realserver}`);
      assert.ok(kernel, `no ${realserver} in ${where}`);
      const labels = { service: label, realserver };
      assert.deepEqual({
        connections: metricValue(samples, 'lvsctl_ipvs_realserver_connections_total', labels),
        inPackets: metricValue(samples, 'lvsctl_ipvs_realserver_incoming_packets_total', labels),
        outPackets: metricValue(samples, 'lvsctl_ipvs_realserver_outgoing_packets_total', labels),
        inBytes: metricValue(samples, 'lvsctl_ipvs_realserver_incoming_bytes_total', labels),
        outBytes: metricValue(samples, 'lvsctl_ipvs_realserver_outgoing_bytes_total', labels),
      }, kernel, `${host}: ${where}`);
      assert.equal(metricValue(samples, 'lvsctl_ipvs_realserver_weight', labels), PLAN_WEIGHT[host], where);
      assert.equal(metricValue(samples, 'lvsctl_health_state', labels), 1, `${host} is up again: ${where}`);
    }
  });
});
