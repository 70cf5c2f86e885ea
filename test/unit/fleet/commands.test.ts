import assert from 'assert';
import { EXIT } from '../../../controller/exit-codes';
import { executeConnections } from '../../../controller/fleet/connections-command';
import { executeHealth } from '../../../controller/fleet/health-command';
import { executeStatus } from '../../../controller/fleet/status-command';
import { parseIpvsConnections } from '../../../lvs/formats/ipvs-connections';
import { directorHealth, directorStatus, fleetDeps, PLAN_PATH, realserverHealth } from './in-memory-readers';
import { benchTable, planJson } from '../../../bench/table';
import type { AgentHealthReport } from '../../../lvs/health/report';
import type { DirectorStatus } from '../../../lvs/wire/status-encode';

const LCN = [
  'TCP 04:52  ASSURED     172.23.136.93:0     172.23.136.150:80   172.23.136.149:80',
  'TCP 00:45  FIN_WAIT    172.23.136.93:49914 172.23.136.150:80   172.23.136.149:80',
].join('\n');

describe('lvsctl health', () => {
  it('prints one table of every service × realserver and each realserver\'s own checks, exit 0 when all is well', async () => {
    const deps = fleetDeps({ lvs: { health: directorHealth('up') }, rs1: { health: realserverHealth('rs1', true) }, rs2: { health: realserverHealth('rs2', true) } });
    const code = await executeHealth(PLAN_PATH, {}, deps);
    assert.strictEqual(code, EXIT.ok);
    const out = deps.out();
    assert.match(out, /^DIRECTOR\s+SERVICE\s+REALSERVER\s+ADDRESS\s+STATE\s+WEIGHT\s+ACTIVE\s+INACTIVE\s+LAST CHECK\s+REASON$/m);
    assert.match(out, /^lvs\s+phpmyadmin\s+rs2\s+172\.23\.136\.149:80\s+up\s+1\s+4\s+7\s+2s ago \(2 ms\)\s+GET/m);
    assert.match(out, /^rs1\s+check-port-listening\s+phpmyadmin port 80\s+ok\s+something listens on port 80$/m);
  });

  it('shows a quiesced realserver as down with weight 0 of 1, its transition, and exits 2', async () => {
    const deps = fleetDeps({ lvs: { health: directorHealth('down') }, rs1: { health: realserverHealth('rs1', true) }, rs2: { health: realserverHealth('rs2', false) } });
    const code = await executeHealth(PLAN_PATH, {}, deps);
    assert.strictEqual(code, EXIT.hostFailed);
    assert.match(deps.out(), /^lvs\s+phpmyadmin\s+rs2\s+172\.23\.136\.149:80\s+down\s+0\/1\s+0\s+7/m);
    assert.match(deps.out(), /^  12:00:00 lvs phpmyadmin rs2 172\.23\.136\.149:80 up → down: connect ECONNREFUSED$/m);
    assert.match(deps.out(), /rs2\s+check-port-listening\s+phpmyadmin port 80\s+failed\s+nothing listens .*\(fix: start the server/);
  });

  it('names an unreachable agent with the reason and exits 3 when nothing failed', async () => {
    const deps = fleetDeps({ lvs: { health: directorHealth('up') }, rs1: { health: realserverHealth('rs1', true) }, rs2: { unreachable: true } });
    const code = await executeHealth(PLAN_PATH, {}, deps);
    assert.strictEqual(code, EXIT.unreachable);
    assert.match(deps.out(), /^rs2: unreachable: agent of rs2 at 172\.23\.136\.149:7400: connection refused/m);
  });

  it('with --json prints one document with every host and the exit code', async () => {
    const deps = fleetDeps({ lvs: { health: directorHealth('down') }, rs1: { health: realserverHealth('rs1', true) }, rs2: { unreachable: true } });
    const code = await executeHealth(PLAN_PATH, { json: true }, deps);
    const doc = JSON.parse(deps.out()) as { command: string; exitCode: number; hosts: { host: string; ok: boolean; targets?: { state: string }[]; status?: string }[] };
    assert.strictEqual(doc.command, 'health');
    assert.strictEqual(doc.exitCode, code);
    assert.deepStrictEqual(doc.hosts.map((h) => [h.host, h.ok]), [['lvs', true], ['rs1', true], ['rs2', false]]);
    assert.deepStrictEqual(doc.hosts[0].targets?.map((t) => t.state), ['up', 'down']);
    assert.strictEqual(doc.hosts[2].status, 'unreachable');
  });

  it('names each agent as the plan does, not by the hostname it reports (e.g. "(none)" in a namespace)', async () => {
    const deps = fleetDeps({ lvs: { health: { ...directorHealth('down'), host: '(none)' } }, rs1: { health: realserverHealth('rs1', true) }, rs2: { health: realserverHealth('rs2', true) } });
    await executeHealth(PLAN_PATH, { json: true }, deps);
    const doc = JSON.parse(deps.out()) as { hosts: { host: string }[] };
    assert.deepStrictEqual(doc.hosts.map((h) => h.host), ['lvs', 'rs1', 'rs2']);
    const text = fleetDeps({ lvs: { health: { ...directorHealth('down'), host: '(none)' } } });
    await executeHealth(PLAN_PATH, {}, text);
    assert.match(text.out(), /^lvs\s+phpmyadmin\s+rs2\s+172\.23\.136\.149:80\s+down/m);
    assert.doesNotMatch(text.out(), /\(none\)/);
  });

  it('with --watch --json prints one JSON object a line: the first reports, then each change', async () => {
    const deps = fleetDeps({
      lvs: { health: directorHealth('up'), watchReports: [{ ...directorHealth('down'), heartbeat: false }] },
      rs1: { health: realserverHealth('rs1', true) }, rs2: { health: realserverHealth('rs2', true) },
    });
    const abort = new AbortController();
    const running = executeHealth(PLAN_PATH, { watch: true, json: true }, { ...deps, signal: abort.signal });
    await new Promise((r) => setTimeout(r, 20));
    abort.abort();
    assert.strictEqual(await running, EXIT.ok);
    const lines = deps.out().trim().split('\n').map((l) => JSON.parse(l) as { host: string; kind: string; events: { to?: string }[] });
    assert.deepStrictEqual(lines.map((l) => `${l.host} ${l.kind}`), ['lvs report', 'lvs change', 'rs1 report', 'rs2 report']);
    assert.strictEqual(lines[1].events[0].to, 'down');
  });
});

describe('lvsctl status', () => {
  it('prints the director\'s table with realserver names and --stats counters, and no drift', async () => {
    const deps = fleetDeps({ lvs: { status: directorStatus([1, 1]), health: directorHealth('up') } });
    const code = await executeStatus(PLAN_PATH, {}, deps);
    assert.strictEqual(code, EXIT.ok);
    assert.match(deps.out(), /^phpmyadmin\s+tcp 172\.23\.136\.150:80\s+rr persistent 360\s+80\s+600\s+0\s+40000\s+0$/m);
    assert.match(deps.out(), /^\s+-> rs2 172\.23\.136\.149:80\s+Route\s+1\s+2\s+5\s+40\s+300/m);
    assert.match(deps.out(), /^no drift from the plan$/m);
  });

  it('reports drift (a wrong weight, an extra destination) and exits 2, but not a weight health set', async () => {
    const deps = fleetDeps({ lvs: { status: directorStatus([5, 0], true), health: directorHealth('down') } });
    const code = await executeStatus(PLAN_PATH, {}, deps);
    assert.strictEqual(code, EXIT.hostFailed);
    const out = deps.out();
    assert.match(out, /weight: phpmyadmin: rs1 \(172\.23\.136\.148:80\) has weight 5 in the kernel, 1 in the plan/);
    assert.match(out, /extra-destination: phpmyadmin: 172\.23\.136\.160:80 is in the kernel but not in the plan/);
    assert.doesNotMatch(out, /rs2 \(172\.23\.136\.149:80\) has weight/);
    assert.match(out, /weights set by health:\n  phpmyadmin: rs2 \(172\.23\.136\.149:80\) at weight 0, plan 1: health down, quiesced/);
  });

  it('prints a 20,000 × 10 table whole, one row a service and a destination, aligned, and no drift', async () => {
    // 220,000 rows: more than a spread call takes (lvs/append.ts); this threw RangeError before
    const table = benchTable({ services: 20_000, destinations: 10 });
    const status: DirectorStatus = {
      host: 'lvs1',
      services: table.map((s) => ({
        service: { key: { kind: 'tcp', vip: s.vip, port: s.port }, scheduler: 'wlc', flags: [] }, managed: true,
        stats: { connections: 0, inPackets: 0, outPackets: 0, inBytes: 0, outBytes: 0 },
        destinations: s.destinations.map((d) => ({
          destination: { address: s.realserver.address, port: d.port, weight: d.weight, forwarding: 'nat' as const }, activeConnections: 0, inactiveConnections: 0,
          stats: { connections: 0, inPackets: 0, outPackets: 0, inBytes: 0, outBytes: 0 },
        })),
      })),
    };
    const health: AgentHealthReport = { host: 'lvs1', role: 'director', at: new Date('2025-03-01T12:00:00Z'), heartbeat: false, selfChecks: [], targets: [], events: [] };
    const deps = fleetDeps({ lvs1: { status, health } }, planJson(table));
    const code = await executeStatus(PLAN_PATH, {}, deps);
    const lines = deps.out().split('\n');
    assert.strictEqual(code, EXIT.ok, lines.slice(-5).join('\n'));
    const services = lines.filter((l) => /^s\d+ /.test(l));
    const destinations = lines.filter((l) => /^\s+-> web\d /.test(l));
    assert.deepStrictEqual([services.length, destinations.length], [20_000, 200_000]);
    assert.match(services[19_999] as string, /^s20000\s+tcp 10\.100\.79\.250:80\s+wlc\s/);
    assert.match(destinations[199_999] as string, /^\s+-> web2 10\.0\.0\.12:8010\s+Masq\s+10\s/);
    // one column width for every row: the KERNEL column starts at one place in each
    assert.strictEqual(new Set(services.map((l) => l.indexOf('tcp '))).size, 1);
    assert.match(deps.out(), /^no drift from the plan$/m);
  }).timeout(60_000);

  it('does not ask realservers, and exits 3 with the reason when the director is unreachable', async () => {
    const deps = fleetDeps({ lvs: { unreachable: true } });
    const code = await executeStatus(PLAN_PATH, { json: true }, deps);
    assert.strictEqual(code, EXIT.unreachable);
    const doc = JSON.parse(deps.out()) as { hosts: { host: string; reason: string }[] };
    assert.deepStrictEqual(doc.hosts.map((h) => h.host), ['lvs']);
    assert.match(doc.hosts[0].reason, /connection refused/);
  });
});

describe('lvsctl connections', () => {
  it('prints every entry with the realserver\'s name and marks templates', async () => {
    const deps = fleetDeps({ lvs: { connections: parseIpvsConnections(LCN) } });
    const code = await executeConnections(PLAN_PATH, {}, deps);
    assert.strictEqual(code, EXIT.ok);
    assert.match(deps.out(), /^lvs\s+TCP\s+04:52\s+ASSURED\s+172\.23\.136\.93:0\s+172\.23\.136\.150:80\s+rs2 172\.23\.136\.149:80\s+template$/m);
    assert.match(deps.out(), /^lvs\s+TCP\s+00:45\s+FIN_WAIT\s+172\.23\.136\.93:49914/m);
  });

  it('says "no connection entries" when a director answered with none, and not when none answered', async () => {
    const empty = fleetDeps({ lvs: { connections: [] } });
    assert.strictEqual(await executeConnections(PLAN_PATH, {}, empty), EXIT.ok);
    assert.match(empty.out(), /^no connection entries$/m);
    const gone = fleetDeps({ lvs: { unreachable: true } });
    assert.strictEqual(await executeConnections(PLAN_PATH, {}, gone), EXIT.unreachable);
    assert.doesNotMatch(gone.out(), /no connection entries/);
    assert.match(gone.out(), /^lvs: unreachable: agent of lvs at .*: connection refused/m);
  });

  it('sends --realserver as the host\'s address and --client, --vip as given', async () => {
    const deps = fleetDeps({ lvs: { connections: [] } });
    await executeConnections(PLAN_PATH, { realserver: 'rs2', client: '172.23.136.93', vip: '172.23.136.150', limit: '50' }, deps);
    assert.deepStrictEqual(deps.asked, [{ limit: 50, client: '172.23.136.93', vip: '172.23.136.150', realserver: '172.23.136.149' }]);
  });

  it('refuses a --realserver that is no realserver of the plan, naming the ones there are', async () => {
    const deps = fleetDeps({ lvs: { connections: [] } });
    await assert.rejects(executeConnections(PLAN_PATH, { realserver: 'lvs' }, deps), /--realserver "lvs": not a realserver of ppc\.json nor an address; realservers: rs1, rs2/);
    await assert.rejects(executeConnections(PLAN_PATH, { client: 'somebody' }, deps), /--client "somebody": must be an IPv4 or IPv6 address/);
  });

  it('with --json lists entries per director, templates flagged and named', async () => {
    const deps = fleetDeps({ lvs: { connections: parseIpvsConnections(LCN) } });
    await executeConnections(PLAN_PATH, { json: true }, deps);
    const doc = JSON.parse(deps.out()) as { hosts: { connections: { template: boolean; realserver?: string }[]; truncated: boolean }[] };
    assert.deepStrictEqual(doc.hosts[0].connections.map((c) => [c.template, c.realserver]), [[true, 'rs2'], [false, 'rs2']]);
    assert.strictEqual(doc.hosts[0].truncated, false);
  });
});

describe('an invalid plan under --json (health, status, connections)', () => {
  const BAD_PLAN = '{"apiVersion": "lvsctl/v1", "hosts": {}}';
  const run = async (command: string, watch: boolean): Promise<{ code: number; out: string; err: string }> => {
    let err = '';
    const base = fleetDeps({}, BAD_PLAN);
    const deps = { ...base, stderr: { write: (t: string) => { err += t; } } };
    const code = command === 'health' ? await executeHealth(PLAN_PATH, { json: true, watch }, deps)
      : command === 'status' ? await executeStatus(PLAN_PATH, { json: true }, deps)
        : await executeConnections(PLAN_PATH, { json: true }, deps);
    return { code, out: base.out(), err };
  };
  for (const [command, watch] of [['health', false], ['health', true], ['status', false], ['connections', false]] as const) {
    it(`lvsctl ${command}${watch ? ' --watch' : ''} --json prints one document with the problems and exit code 1, nothing on stderr`, async () => {
      const { code, out, err } = await run(command, watch);
      assert.strictEqual(code, EXIT.invalid);
      assert.strictEqual(err, '');
      if (watch) assert.strictEqual(out.trim().split('\n').length, 1, 'a watch prints one object a line');
      const document = JSON.parse(out) as { kind?: string; command: string; plan: string; problems: { pointer: string; message: string }[]; exitCode: number };
      assert.strictEqual(document.kind, watch ? 'invalid-plan' : undefined);
      assert.strictEqual(document.command, command);
      assert.strictEqual(document.plan, PLAN_PATH);
      assert.strictEqual(document.exitCode, EXIT.invalid);
      assert.ok(document.problems.some((p) => p.pointer === '/cluster'), JSON.stringify(document.problems));
    });
  }

  it('without --json prints the problems on stderr and nothing on stdout', async () => {
    let err = '';
    const base = fleetDeps({}, BAD_PLAN);
    const code = await executeStatus(PLAN_PATH, {}, { ...base, stderr: { write: (t: string) => { err += t; } } });
    assert.strictEqual(code, EXIT.invalid);
    assert.strictEqual(base.out(), '');
    assert.match(err, /^ppc\.json: \/cluster: "cluster" is required/m);
  });
});
