// Issue #5 scenario 7 on the real kernel, agent-driven: with a TCP connection held open
// through the VIP and its persistence template in the table, a rollout that changes the
// weights, the scheduler and the persistence timeout edits the service in place (ipvsadm
// -E/-e, not delete + add): the connection still carries data afterwards and the template
// is still there, pointing at the same realserver.
import { strict as assert } from 'node:assert';
import type { PlanInput } from '../../controller/plan/schema';
import { startLabCluster, type CommandResult, type LabCluster } from './support/cluster';
import { ipvsConnections, isTemplate, type IpvsConnection } from './support/ipvsadm';
import { holdConnection, ipvsSave, startEchoServer, type DetachedProgram, type HeldConnection } from './support/kernel-state';
import { LAB_HOOK_TIMEOUT_MS, LAB_TEST_TIMEOUT_MS, requireLabGuest } from './support/lab-guard';

const VIP = '10.0.0.100';
const PORT = 9000;
const ADDRESS: Record<string, string> = { r1: '10.0.0.11', r2: '10.0.0.12' };

function echoPlan(settings: { scheduler: 'rr' | 'wlc'; timeout: number; weights: [number, number] }): PlanInput {
  return {
    apiVersion: 'lvsctl/v1',
    cluster: 'no-disruption',
    hosts: {
      d: { role: 'director', address: '10.0.0.1' },
      r1: { role: 'realserver', address: ADDRESS.r1 },
      r2: { role: 'realserver', address: ADDRESS.r2 },
    },
    services: [{
      name: 'echo', protocol: 'tcp', vip: VIP, port: PORT, scheduler: settings.scheduler,
      persistence: { timeout: settings.timeout }, forwarding: 'dr',
      realservers: [{ host: 'r1', weight: settings.weights[0] }, { host: 'r2', weight: settings.weights[1] }],
    }],
  };
}

function explain(result: CommandResult): string {
  return `exit ${result.code}\n${result.stdout}\n${result.stderr}`;
}

/** The template for (client, VIP:PORT) and the held connection's own entry, from `ipvsadm -Lcn`. */
async function entries(localPort: number): Promise<{ text: string; template?: IpvsConnection; connection?: IpvsConnection }> {
  const { text, connections } = await ipvsConnections('d');
  const ours = connections.filter((c) => c.source.address === '10.0.0.200' && c.virtual.address === VIP && c.virtual.port === PORT);
  return { text, template: ours.find(isTemplate), connection: ours.find((c) => c.source.port === localPort) };
}

describe('Changing weights, scheduler and persistence timeout keeps established connections and templates', function () {
  this.timeout(LAB_TEST_TIMEOUT_MS * 2);
  let cluster: LabCluster | undefined;
  const programs: DetachedProgram[] = [];
  let held: HeldConnection | undefined;

  before(async function () {
    // certificates, three agents and a first rollout: each lvsctl or agent start costs 15-20 s in the guest
    this.timeout(LAB_HOOK_TIMEOUT_MS * 2);
    requireLabGuest();
    cluster = await startLabCluster(echoPlan({ scheduler: 'rr', timeout: 300, weights: [1, 1] }), { prepareRealservers: true });
    programs.push(await startEchoServer('r1', PORT, 'r1'), await startEchoServer('r2', PORT, 'r2'));
    const first = await cluster.rollout();
    assert.equal(first.code, 0, `the first rollout must apply the plan: ${explain(first)}`);
  });

  after(async function () {
    this.timeout(LAB_HOOK_TIMEOUT_MS);
    await held?.close();
    for (const program of programs) await program.stop();
    await cluster?.teardown();
  });

  it('edits the service and its destinations in place; the held connection still answers and the template stays', async () => {
    const lab = cluster as LabCluster;
    held = await holdConnection('client', VIP, PORT);
    const [server] = (await held.exchange('before')).split(' ');
    assert.ok(server === 'r1' || server === 'r2', `answered by "${server}"`);
    const before = await entries(held.localPort);
    assert.ok(before.template, `no persistence template for the client in\n${before.text}`);
    assert.equal(before.template.destination.address, ADDRESS[server as string]);
    assert.equal(before.connection?.state, 'ESTABLISHED', before.text);

    await lab.writePlan(echoPlan({ scheduler: 'wlc', timeout: 600, weights: [3, 2] }));
    const result = await lab.rollout();

    assert.equal(result.code, 0, explain(result));
    assert.match(result.stdout, new RegExp(`^d\\s+changed\\s+edit-service tcp ${VIP}:${PORT}$`, 'm'), explain(result));
    for (const address of [ADDRESS.r1, ADDRESS.r2]) {
      assert.match(result.stdout, new RegExp(`^d\\s+changed\\s+edit-destination tcp ${VIP}:${PORT} -> ${address}:${PORT}$`, 'm'), explain(result));
    }
    assert.doesNotMatch(result.stdout, /^d\s+changed\s+(add|delete)-(service|destination)\b/m, 'edit in place, never delete + add');
    const table = await ipvsSave('d');
    assert.match(table, new RegExp(`^-A -t ${VIP}:${PORT} -s wlc -p 600$`, 'm'), table);
    assert.match(table, new RegExp(`^-a -t ${VIP}:${PORT} -r ${ADDRESS.r1}:${PORT} -g -w 3$`, 'm'), table);
    assert.match(table, new RegExp(`^-a -t ${VIP}:${PORT} -r ${ADDRESS.r2}:${PORT} -g -w 2$`, 'm'), table);

    assert.equal(await held.exchange('after'), `${server} after`, 'the connection opened before the rollout still carries data');
    const after = await entries(held.localPort);
    assert.ok(after.template, `the persistence template is gone after the rollout:\n${after.text}`);
    assert.equal(after.template.destination.address, ADDRESS[server as string], after.text);
    assert.equal(after.connection?.state, 'ESTABLISHED', after.text);
  });
});
