import assert from 'assert';
import { pageText } from './page-text';
import { escapeLabelValue } from '../../../agent/metrics/exposition-writer';
import type { ListedService } from '../../../lvs/ipvs-reading';
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
    const text = await pageText(metrics);
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
    await pageText(metrics);
    assert.strictEqual(reads, 1);
    await pageText(metrics);
    assert.strictEqual(reads, 2);
  });

  it('says lvsctl_ipvs_up 0 and shows no stale series when the table cannot be read', async () => {
    const metrics = createAgentMetrics();
    let fail = false;
    metrics.readIpvsFrom(() => (fail ? Promise.reject(new Error('ipvsadm: not found')) : labTables()));
    await pageText(metrics);
    fail = true;
    const text = await pageText(metrics);
    assert.match(text, /\nlvsctl_ipvs_up 0\n/);
    assert.doesNotMatch(text, /lvsctl_ipvs_realserver_weight\{/);
  });

  it('exports no lvsctl_ipvs_* series on an agent without an IPVS table (a realserver), so no alert fires for it', async () => {
    const metrics = createAgentMetrics();
    const text = await pageText(metrics);
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
    const text = await pageText(metrics);
    assert.ok(text.includes('\nlvsctl_health_state{service="tcp 10.0.0.100:80",realserver="10.0.0.11:80"} 1\n'));
    assert.ok(text.includes('\nlvsctl_health_state{service="tcp 10.0.0.100:80",realserver="10.0.0.12:80"} 0\n'));
    assert.doesNotMatch(text, /10\.0\.0\.1[34]:80/);
  });

  it('says when the served certificate expires, as Unix time, and the value of the moment (a reload changes it)', async () => {
    const metrics = createAgentMetrics();
    assert.doesNotMatch(await pageText(metrics), /lvsctl_tls_certificate_expiry_timestamp_seconds/);
    let expires = new Date('2027-01-01T00:00:00Z');
    metrics.readCertificateExpiryFrom(() => expires);
    assert.match(await pageText(metrics), /\nlvsctl_tls_certificate_expiry_timestamp_seconds 1798761600\n/);
    expires = new Date('2028-01-01T00:00:00Z');
    assert.match(await pageText(metrics), /\nlvsctl_tls_certificate_expiry_timestamp_seconds 1830297600\n/);
  });

  it('counts checks by outcome and applies by outcome with their durations', async () => {
    const metrics = createAgentMetrics();
    metrics.observeCheck({ ok: true, latencyMs: 3, detail: '' });
    metrics.observeCheck({ ok: false, latencyMs: 500, detail: '' });
    metrics.recordApply('changed', 1.5);
    metrics.recordApply('ok', 0.2);
    metrics.recordApply('changed', 0.3);
    const text = await pageText(metrics);
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

/** A listing of `services` TCP services with 10 destinations each, every counter set. */
function bigListing(services: number): ListedService[] {
  const stats = { connections: 7, inPackets: 30, outPackets: 20, inBytes: 1900, outBytes: 5304 };
  return Array.from({ length: services }, (_, i) => ({
    service: { key: { kind: 'tcp', vip: `10.1.${i >> 8}.${i & 255}`, port: 80 }, scheduler: 'wlc', flags: [] } as unknown as ListedService['service'],
    stats,
    destinations: Array.from({ length: 10 }, (_, j) => ({
      destination: { address: `10.2.${j}.${i & 255}`, port: 8000 + (i >> 8), weight: j, forwarding: 'nat' } as ListedService['destinations'][number]['destination'],
      activeConnections: j,
      inactiveConnections: 1,
      stats,
    })),
  }));
}

/** The page, and how many times a 1 ms timer ran while it was being made. */
async function renderWatched(metrics: ReturnType<typeof createAgentMetrics>): Promise<{ text: string; ticks: number }> {
  let done = false;
  let ticks = 0;
  const ticker = setInterval(() => { if (!done) ticks++; }, 1);
  try {
    const text = await pageText(metrics).finally(() => { done = true; });
    return { text, ticks };
  } finally {
    clearInterval(ticker);
  }
}

describe('the metrics page of a large table', () => {
  it('writes 2,000 x 10 in slices: timers run while the page is made, and every series is on it', async () => {
    const metrics = createAgentMetrics();
    metrics.readIpvsFrom(async () => bigListing(2000));
    const { text, ticks } = await renderWatched(metrics);
    assert.ok(ticks >= 2, `a 1 ms timer ran ${ticks} times while the page was made: the render held the event loop`);
    const lines = text.split('\n');
    assert.strictEqual(lines.filter((l) => l.startsWith('lvsctl_ipvs_realserver_weight{')).length, 20_000);
    assert.strictEqual(lines.filter((l) => l.startsWith('lvsctl_ipvs_service_connections_total{')).length, 2_000);
    assert.ok(lines.includes('lvsctl_ipvs_realserver_weight{service="tcp 10.1.7.207:80",realserver="10.2.9.207:8007"} 9'));
    // each family named once, every series line in the text format
    assert.strictEqual(lines.filter((l) => l === '# TYPE lvsctl_ipvs_realserver_weight gauge').length, 1);
    const bad = lines.find((l) => l !== '' && !l.startsWith('# ') && !/^[a-z_]+(\{[a-z]+="[^"]*"(,[a-z]+="[^"]*")*\})? -?[0-9.e+]+$/.test(l));
    assert.strictEqual(bad, undefined);
  });

  it('writes the health of 60,000 destinations in slices, one series each', async () => {
    const metrics = createAgentMetrics();
    const targets = Array.from({ length: 60_000 }, (_, i) => target(`10.2.${i >> 8 & 255}.${i & 255}:${80 + (i >> 16)}`, i % 2 === 0 ? 'up' : 'down'));
    metrics.readHealthFrom(() => ({ at: new Date(), targets }));
    const { text, ticks } = await renderWatched(metrics);
    assert.ok(ticks >= 2, `a 1 ms timer ran ${ticks} times while the page was made: the render held the event loop`);
    const lines = text.split('\n');
    assert.strictEqual(lines.filter((l) => l.startsWith('lvsctl_health_state{')).length, 60_000);
    assert.ok(lines.includes('lvsctl_health_state{service="tcp 10.0.0.100:80",realserver="10.2.78.31:80"} 0'));
  });

  it('escapes a label value as the text format wants', () => {
    assert.strictEqual(escapeLabelValue('tcp 10.0.0.1:80'), 'tcp 10.0.0.1:80');
    assert.strictEqual(escapeLabelValue('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
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
