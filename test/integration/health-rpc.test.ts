import assert from 'assert';
import { get } from 'http';
import type { AgentHealthReport } from '../../lvs/health/report';
import { serveMetrics } from '../../agent/metrics/serve';
import { readLastPlan } from '../../agent/state/last-plan';
import { AgentRefusedError } from '../../controller/client/agent-reader';
import { createGrpcReaderConnector } from '../../controller/client/grpc-reader';
import { eventLine } from '../../controller/report/health-table';
import { clientTo } from './support/agent-harness';
import { labDirectorPlan, startDirectorWithHealth, until, type HealthTestAgent } from './support/health-agent';

function readerTo(port: number) {
  return createGrpcReaderConnector({ tls: { kind: 'insecure' }, timeoutMs: 5000 })({ host: 'lvs1', address: '127.0.0.1', port });
}

async function applyPlan(agent: HealthTestAgent): Promise<void> {
  const client = clientTo(agent.port, { kind: 'insecure' });
  try {
    const result = await client.apply(labDirectorPlan(), 'apply', () => undefined);
    assert.strictEqual(result.outcome, 'changed');
  } finally {
    client.close();
  }
}

function scrape(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

describe('Health over gRPC (director)', () => {
  let agent: HealthTestAgent | undefined;
  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
  });

  it('says no plan was applied yet before the first rollout', async () => {
    agent = await startDirectorWithHealth();
    const reader = readerTo(agent.port);
    const report = await reader.health();
    reader.close();
    assert.deepStrictEqual(report.targets, []);
    assert.match(report.note ?? '', /no plan applied yet: run lvsctl rollout/);
  });

  it('after an apply reports every service × realserver with the kernel\'s weights and connections, and keeps the plan', async () => {
    agent = await startDirectorWithHealth();
    await applyPlan(agent);
    const reader = readerTo(agent.port);
    const report = await until('both realservers judged', async () => {
      const r = await reader.health();
      return r.targets.every((t) => t.state === 'up') ? r : undefined;
    });
    reader.close();
    assert.strictEqual(report.host, 'lvs1');
    assert.strictEqual(report.role, 'director');
    const web2 = report.targets.find((t) => t.host === 'web2');
    assert.deepStrictEqual(
      { service: web2?.service, address: web2?.address, state: web2?.state, planned: web2?.plannedWeight, kernel: web2?.kernel },
      // the lab capture: 10.0.0.12:80 Route 1 0 3
      { service: 'web', address: '10.0.0.12:80', state: 'up', planned: 1, kernel: { weight: 1, activeConnections: 0, inactiveConnections: 3 } },
    );
    assert.ok(web2?.lastCheckAt instanceof Date);
    assert.ok(report.events.some((e) => e.kind === 'transition' && e.host === 'web2' && e.to === 'up'));
    const kept = await readLastPlan(agent.stateDir);
    assert.deepStrictEqual(kept, labDirectorPlan());
  });

  it('with watch=true sends the first report, then the transition when a realserver fails, and quiesces it in the kernel', async () => {
    agent = await startDirectorWithHealth();
    await applyPlan(agent);
    const reader = readerTo(agent.port);
    await until('first checks', async () => ((await reader.health()).targets.every((t) => t.state === 'up') ? true : undefined));
    const reports: AgentHealthReport[] = [];
    const watch = reader.watchHealth((r) => reports.push(r));
    await until('the first report', () => (reports.length > 0 ? true : undefined));
    agent.checks.failing.add('10.0.0.12');
    const change = await until('a report with the transition', () =>
      reports.slice(1).find((r) => r.events.some((e) => e.kind === 'transition' && e.to === 'down')));
    watch.cancel();
    await watch.done;
    reader.close();
    const down = change.events.find((e) => e.to === 'down');
    assert.deepStrictEqual({ host: down?.host, address: down?.address, from: down?.from }, { host: 'web2', address: '10.0.0.12:80', from: 'up' });
    assert.match(down?.message ?? '', /ECONNREFUSED/);
    assert.strictEqual(change.heartbeat, false);
    assert.ok(agent.ipvsadm.batches.some((b) => b.includes('-e -t 10.0.0.100:80 -r 10.0.0.12:80 -g -w 0')), agent.ipvsadm.batches.join('|'));
  });

  it('sends heartbeats on a watch while nothing changes', async () => {
    agent = await startDirectorWithHealth({ heartbeatMs: 100 });
    const reader = readerTo(agent.port);
    const reports: AgentHealthReport[] = [];
    const watch = reader.watchHealth((r) => reports.push(r));
    await until('two heartbeats', () => (reports.filter((r) => r.heartbeat).length >= 2 ? true : undefined));
    watch.cancel();
    await watch.done;
    reader.close();
    assert.strictEqual(reports[0].heartbeat, false);
  });

  it('on a watch, a director that stops reading its table (and reads it again) is an event, not only a heartbeat\'s check', async () => {
    agent = await startDirectorWithHealth({ heartbeatMs: 100 });
    const reader = readerTo(agent.port);
    const reports: AgentHealthReport[] = [];
    const watch = reader.watchHealth((r) => reports.push(r));
    await until('the first report', () => (reports.length > 0 ? true : undefined));
    assert.deepStrictEqual(reports[0].selfChecks, []);
    agent.ipvsadm.listingFails = 'Can\'t initialize ipvs: Protocol not available';
    const failed = await until('the failed read as an event', () =>
      reports.flatMap((r) => r.events).find((e) => e.kind === 'self-check' && /→ failed/.test(e.message)));
    agent.ipvsadm.listingFails = undefined;
    const back = await until('the read again as an event', () =>
      reports.flatMap((r) => r.events).find((e) => e.kind === 'self-check' && /→ ok/.test(e.message)));
    watch.cancel();
    await watch.done;
    reader.close();
    // what lvsctl health --watch prints for each
    assert.match(eventLine('lvs1', failed), /^\d\d:\d\d:\d\d lvs1 read-ipvs-table IPVS: ok → failed: the IPVS table could not be read \(.*Protocol not available.*\)/);
    assert.match(eventLine('lvs1', back), /^\d\d:\d\d:\d\d lvs1 read-ipvs-table IPVS: failed → ok: the IPVS table reads again$/);
    // one event each way, however many heartbeats read the table meanwhile
    assert.strictEqual(reports.flatMap((r) => r.events).filter((e) => e.kind === 'self-check').length, 2);
  });

  it('ends open watches when the agent shuts down', async () => {
    agent = await startDirectorWithHealth();
    const reader = readerTo(agent.port);
    const watch = reader.watchHealth(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
    await agent.running.shutdown();
    await watch.done;
    reader.close();
  });

  it('resumes health checking from the kept plan after a restart, without a new rollout', async () => {
    agent = await startDirectorWithHealth();
    await applyPlan(agent);
    const stateDir = agent.stateDir;
    await agent.running.shutdown();
    await agent.health.stop();
    const restarted = await startDirectorWithHealth({ stateDir });
    try {
      const reader = readerTo(restarted.port);
      const report = await until('checks after restart', async () => {
        const r = await reader.health();
        return r.targets.length === 2 && r.targets.every((t) => t.state === 'up') ? r : undefined;
      });
      reader.close();
      assert.deepStrictEqual(report.targets.map((t) => t.host), ['web1', 'web2']);
      assert.strictEqual(restarted.applier.calls.length, 0);
    } finally {
      await restarted.stop();
    }
  });

  it('serves metrics over HTTP after an apply: apply counter, health state, and the kernel\'s counters', async () => {
    agent = await startDirectorWithHealth();
    await applyPlan(agent);
    const reader = readerTo(agent.port);
    await until('first checks', async () => ((await reader.health()).targets.every((t) => t.state === 'up') ? true : undefined));
    reader.close();
    const server = await serveMetrics(agent.metrics, '127.0.0.1:0');
    try {
      const text = await scrape(server.port);
      assert.match(text, /^lvsctl_apply_total\{outcome="changed"\} 1$/m);
      assert.match(text, /^lvsctl_apply_duration_seconds_count 1$/m);
      assert.match(text, /^lvsctl_health_state\{service="tcp 10.0.0.100:80",realserver="10.0.0.12:80"\} 1$/m);
      assert.match(text, /^lvsctl_health_check_duration_seconds_count\{outcome="ok"\} [1-9]/m);
      assert.match(text, /^lvsctl_ipvs_up 1$/m);
      // the lab capture of ipvsadm -Ln --stats --exact: TCP 10.0.0.100:80 3 conns, 18 in packets, 1140 in bytes
      assert.match(text, /^lvsctl_ipvs_service_connections_total\{service="tcp 10.0.0.100:80"\} 3$/m);
      assert.match(text, /^lvsctl_ipvs_realserver_incoming_bytes_total\{service="tcp 10.0.0.100:80",realserver="10.0.0.12:80"\} 1140$/m);
      assert.match(text, /^lvsctl_ipvs_realserver_inactive_connections\{service="tcp 10.0.0.100:80",realserver="10.0.0.12:80"\} 3$/m);
    } finally {
      await server.close();
    }
  });
});

describe('Connections over gRPC', () => {
  let agent: HealthTestAgent | undefined;
  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
  });

  it('streams the director\'s -Lcn entries, templates flagged, the fwmark template with its mark', async () => {
    agent = await startDirectorWithHealth();
    const reader = readerTo(agent.port);
    const all = await reader.connections({});
    reader.close();
    assert.strictEqual(all.length, 8);
    const templates = all.filter((c) => c.template);
    assert.deepStrictEqual(templates.map((c) => `${c.protocol} ${c.state} ${c.client.address}:${c.client.port} ${c.fwmark ?? c.virtual.address}`),
      ['TCP ASSURED 10.0.0.0:0 10.0.0.100', 'TCP NONE 10.0.0.200:0 10.0.0.100', 'IP NONE 10.0.0.200:0 1']);
  });

  it('filters by client, VIP and realserver on the agent, and stops at the limit', async () => {
    agent = await startDirectorWithHealth();
    const reader = readerTo(agent.port);
    const byClient = await reader.connections({ client: '10.0.0.0' });
    const byVip = await reader.connections({ vip: '0.0.0.1' });
    const none = await reader.connections({ realserver: '10.0.0.11' });
    const limited = await reader.connections({ limit: 3 });
    reader.close();
    assert.deepStrictEqual(byClient.map((c) => c.state), ['ASSURED']);
    assert.deepStrictEqual(byVip.map((c) => c.fwmark), [1]);
    assert.deepStrictEqual(none, []);
    assert.strictEqual(limited.length, 3);
  });

  it('refuses a filter that is not an address with INVALID_ARGUMENT, naming the field', async () => {
    agent = await startDirectorWithHealth();
    const reader = readerTo(agent.port);
    await assert.rejects(reader.connections({ client: 'web1' }), (err: unknown) =>
      err instanceof AgentRefusedError && /INVALID_ARGUMENT: invalid connections request: client: must be an IPv4 or IPv6 address/.test(err.message));
    reader.close();
  });
});

describe('Status over gRPC on the real table reader', () => {
  let agent: HealthTestAgent | undefined;
  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
  });

  it('joins -Ln and --stats per service and destination, with settings as the kernel has them', async () => {
    agent = await startDirectorWithHealth();
    const reader = readerTo(agent.port);
    const status = await reader.status();
    reader.close();
    const web = status.services.find((s) => s.service.key.kind === 'tcp' && s.service.key.port === 80);
    assert.deepStrictEqual(web?.service, { key: { kind: 'tcp', vip: '10.0.0.100', port: 80 }, scheduler: 'wlc', flags: [], persistence: { timeout: 360, netmask: '255.255.255.0' } });
    assert.deepStrictEqual(web?.stats, { connections: 3, inPackets: 18, outPackets: 0, inBytes: 1140, outBytes: 0 });
    assert.strictEqual(web?.managed, false);
    const sh = status.services.find((s) => s.service.scheduler === 'sh');
    assert.deepStrictEqual(sh?.service.flags, ['sh-port']);
  });
});
