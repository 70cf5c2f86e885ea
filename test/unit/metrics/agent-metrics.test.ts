import assert from 'assert';
import { createAgentMetrics } from '../../../agent/metrics/agent-metrics';
import { LinuxIpvs } from '../../../agent/kernel/linux/ipvs';
import { joinIpvsListings, parseIpvsList, parseIpvsStats } from '../../../lvs/formats/ipvs-stats';
import type { HealthSnapshot, TargetReport } from '../../../lvs/health/types';
import { captured } from './captured';

const labTables = () => Promise.resolve(joinIpvsListings(
  parseIpvsList(captured('ipvsadm-Ln-exact.txt')),
  parseIpvsStats(captured('ipvsadm-Ln-stats-exact.txt')),
));

function target(address: string, state: TargetReport['state'], checked = true): TargetReport {
  return {
    service: 'web', serviceKey: { kind: 'tcp', vip: '10.0.0.100', port: 80 }, host: address, address, checked, state,
    plannedWeight: 1, currentWeight: state === 'down' ? 0 : 1, keptLast: false, reason: '', consecutiveFailures: 0, consecutiveSuccesses: 0,
  };
}

describe('agent metrics', () => {
  it('shows the kernel counters of the lab sample per service and per realserver', async () => {
    const metrics = createAgentMetrics();
    metrics.readIpvsFrom(labTables);
    const text = await metrics.registry.metrics();
    for (const line of [
      'lvsctl_ipvs_up 1',
      'lvsctl_ipvs_service_connections_total{service="tcp 10.0.0.100:80"} 5',
      'lvsctl_ipvs_service_incoming_packets_total{service="tcp 10.0.0.100:80"} 30',
      'lvsctl_ipvs_service_outgoing_bytes_total{service="tcp 10.0.0.100:80"} 5304',
      'lvsctl_ipvs_service_connections_total{service="fwmark 2 inet6"} 0',
      'lvsctl_ipvs_realserver_incoming_bytes_total{service="tcp 10.0.0.100:80",realserver="127.0.0.1:8080"} 1900',
      'lvsctl_ipvs_realserver_outgoing_packets_total{service="tcp 10.0.0.100:80",realserver="127.0.0.1:8080"} 22',
      'lvsctl_ipvs_realserver_inactive_connections{service="tcp 10.0.0.100:80",realserver="127.0.0.1:8080"} 5',
      'lvsctl_ipvs_realserver_active_connections{service="tcp 10.0.0.100:80",realserver="127.0.0.1:8080"} 0',
      'lvsctl_ipvs_realserver_weight{service="fwmark 1",realserver="10.0.0.100:0"} 2',
      'lvsctl_ipvs_realserver_weight{service="tcp 10.0.0.100:80",realserver="127.0.0.1:8080"} 0',
    ]) {
      assert.ok(text.includes(`\n${line}\n`), `missing: ${line}`);
    }
    assert.match(text, /# TYPE lvsctl_ipvs_service_connections_total counter/);
  });

  it('reads the IPVS table once per scrape, and again at the next one', async () => {
    const metrics = createAgentMetrics();
    let reads = 0;
    metrics.readIpvsFrom(() => { reads++; return labTables(); });
    await metrics.registry.metrics();
    assert.strictEqual(reads, 1);
    await metrics.registry.metrics();
    assert.strictEqual(reads, 2);
  });

  it('says lvsctl_ipvs_up 0 and shows no stale series when the table cannot be read', async () => {
    const metrics = createAgentMetrics();
    let fail = false;
    metrics.readIpvsFrom(() => (fail ? Promise.reject(new Error('ipvsadm: not found')) : labTables()));
    await metrics.registry.metrics();
    fail = true;
    const text = await metrics.registry.metrics();
    assert.match(text, /\nlvsctl_ipvs_up 0\n/);
    assert.doesNotMatch(text, /lvsctl_ipvs_realserver_weight\{/);
  });

  it('exports no lvsctl_ipvs_* series on an agent without an IPVS table (a realserver), so no alert fires for it', async () => {
    const metrics = createAgentMetrics();
    const text = await metrics.registry.metrics();
    assert.doesNotMatch(text, /lvsctl_ipvs_/);
    assert.match(text, /lvsctl_apply_total/);
  });

  it('shows health 1 for up, 0 for down, nothing for unknown or unchecked', async () => {
    const metrics = createAgentMetrics();
    const snapshot: HealthSnapshot = {
      at: new Date(),
      targets: [target('10.0.0.11:80', 'up'), target('10.0.0.12:80', 'down'), target('10.0.0.13:80', 'unknown'), target('10.0.0.14:80', 'up', false)],
    };
    metrics.readHealthFrom(() => snapshot);
    const text = await metrics.registry.metrics();
    assert.ok(text.includes('\nlvsctl_health_state{service="tcp 10.0.0.100:80",realserver="10.0.0.11:80"} 1\n'));
    assert.ok(text.includes('\nlvsctl_health_state{service="tcp 10.0.0.100:80",realserver="10.0.0.12:80"} 0\n'));
    assert.doesNotMatch(text, /10\.0\.0\.1[34]:80/);
  });

  it('counts checks by outcome and applies by outcome with their durations', async () => {
    const metrics = createAgentMetrics();
    metrics.observeCheck({ ok: true, latencyMs: 3, detail: '' });
    metrics.observeCheck({ ok: false, latencyMs: 500, detail: '' });
    metrics.recordApply('changed', 1.5);
    metrics.recordApply('ok', 0.2);
    metrics.recordApply('changed', 0.3);
    const text = await metrics.registry.metrics();
    for (const line of [
      'lvsctl_health_check_duration_seconds_count{outcome="ok"} 1',
      'lvsctl_health_check_duration_seconds_bucket{le="0.005",outcome="ok"} 1',
      'lvsctl_health_check_duration_seconds_bucket{le="0.25",outcome="failed"} 0',
      'lvsctl_health_check_duration_seconds_bucket{le="0.5",outcome="failed"} 1',
      'lvsctl_apply_total{outcome="changed"} 2',
      'lvsctl_apply_total{outcome="ok"} 1',
      'lvsctl_apply_duration_seconds_count 3',
      'lvsctl_apply_duration_seconds_sum 2',
    ]) {
      assert.ok(text.includes(`\n${line}\n`), `missing: ${line}`);
    }
  });
});

describe('listing the IPVS table with ipvsadm', () => {
  it('runs the numeric exact listings and joins them per service and destination', async () => {
    const calls: string[] = [];
    const listing = await new LinuxIpvs(async (file, args) => {
      calls.push([file, ...args].join(' '));
      return { stdout: captured(args.includes('--stats') ? 'ipvsadm-Ln-stats-exact.txt' : 'ipvsadm-Ln-exact.txt'), stderr: '' };
    }).list();
    assert.deepStrictEqual(calls.sort(), ['ipvsadm -L -n --exact', 'ipvsadm -L -n --stats --exact']);
    assert.strictEqual(listing.length, 6);
    assert.strictEqual(listing[1].destinations[0].inactiveConnections, 5);
    assert.strictEqual(listing[1].destinations[0].stats?.inBytes, 1900);
  });
});
