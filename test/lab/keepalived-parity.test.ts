// Issue 14 on the real kernel: (1) the https and dns health checks against real servers in
// the realservers' namespaces quiesce and restore a realserver; (2) keepalived (Debian's,
// checker-only: --check, no vrrp_instance) loads a keepalived.conf into the director's IPVS
// table, `ipvsadm -S -n` saves it, and the plan `lvsctl import --keepalived` makes of the
// same file, rolled out on the emptied director, builds the same table.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCertificateAuthority, issueCertificate } from '../../controller/certs/authority';
import type { PlanInput } from '../../controller/plan/schema';
import { LAB_TMP, runCommand, runLvsctl } from './support/agents';
import { startLabCluster, type LabCluster } from './support/cluster';
import { CLUSTER_HOOK_TIMEOUT_MS, explain, findDestination, ipvsDestinations, lvsctlJson, startRealserverHttp, waitUntil, answerOf, type HealthJson, type RealserverHttp } from './support/health-helpers';
import { startListeningProgram, type RunningServer } from './support/http';
import { sortedLines } from './support/expected-table';
import { LAB_TEST_TIMEOUT_MS, requireLabGuest } from './support/lab-guard';

const VIP = '10.0.0.100';
const ADDRESS: Record<string, string> = { r1: '10.0.0.11', r2: '10.0.0.12' };
/** as in health.test.ts: the agent's bound (fall × interval + interval) plus what UML adds */
const BOUND_MS = 2 * 1000 + 1000 + 8000;
const DIR = join(LAB_TMP, 'keepalived-parity');

describe('Health checks at keepalived\'s level: https and dns against real servers', function () {
  this.timeout(LAB_TEST_TIMEOUT_MS * 2);
  let cluster: LabCluster | undefined;
  const servers = new Map<string, RunningServer>();
  let certFile = '';
  let keyFile = '';
  let caFile = '';
  const startServer = async (kind: 'https' | 'dns', host: string): Promise<void> => {
    const args = kind === 'https' ? ['https', '443', certFile, keyFile, host] : ['dns', '53', 'www.lab.test', VIP];
    servers.set(`${kind}-${host}`, await startListeningProgram(host, 'check-server.js', args, `${kind} server in ${host}`));
  };
  const stopServer = async (kind: 'https' | 'dns', host: string): Promise<void> => {
    await servers.get(`${kind}-${host}`)?.stop();
    servers.delete(`${kind}-${host}`);
  };
  const plan: PlanInput = {
    apiVersion: 'lvsctl/v1',
    cluster: 'lab-checks',
    hosts: { d: { role: 'director', address: '10.0.0.1' }, r1: { role: 'realserver', address: ADDRESS.r1 }, r2: { role: 'realserver', address: ADDRESS.r2 } },
    services: [
      {
        name: 'tls', protocol: 'tcp', vip: VIP, port: 443, scheduler: 'rr',
        healthCheck: {
          type: 'https', path: '/health', host: 'web.lab.test', expectStatus: [200, 204], bodyRegex: '^r[12]\\n?$',
          tls: { verify: true, caFile: join(DIR, 'ca.pem') }, connectTimeout: '800ms', readTimeout: '800ms',
          // a TLS handshake in a loaded UML guest took over 400 ms: a second between checks
          interval: '1s', timeout: '900ms', fall: 2, rise: 2,
        },
        realservers: [{ host: 'r1', weight: 2 }, { host: 'r2', weight: 3 }],
      },
      {
        name: 'dns', protocol: 'udp', vip: VIP, port: 53, scheduler: 'rr',
        healthCheck: { type: 'dns', dns: { name: 'www.lab.test', type: 'A', expect: [VIP] }, interval: '1s', timeout: '900ms', fall: 2, rise: 2 },
        realservers: [{ host: 'r1', weight: 4 }, { host: 'r2', weight: 5 }],
      },
    ],
  };
  const weight = async (service: string, host: string): Promise<number | undefined> => {
    const { rows } = await ipvsDestinations('d');
    return findDestination(rows, service, `${ADDRESS[host]}:${service.endsWith(':443') ? 443 : 53}`)?.weight;
  };

  before(async function () {
    this.timeout(CLUSTER_HOOK_TIMEOUT_MS);
    requireLabGuest();
    await mkdir(DIR, { recursive: true });
    const now = new Date(Date.now() - 60_000);
    const ca = await createCertificateAuthority('lab-checks-ca', now);
    const cert = await issueCertificate(ca, { name: 'web.lab.test', ips: [], dnsNames: ['web.lab.test'] }, now);
    [caFile, certFile, keyFile] = [join(DIR, 'ca.pem'), join(DIR, 'web.pem'), join(DIR, 'web-key.pem')];
    await writeFile(caFile, ca.certPem);
    await writeFile(certFile, cert.certPem);
    await writeFile(keyFile, cert.keyPem, { mode: 0o600 });
    cluster = await startLabCluster(plan, { prepareRealservers: true });
    for (const host of ['r1', 'r2']) {
      await startServer('https', host);
      await startServer('dns', host);
    }
    const rollout = await cluster.rollout();
    assert.equal(rollout.code, 0, `the rollout must apply the plan:\n${explain(rollout)}`);
  });
  after(async function () {
    this.timeout(CLUSTER_HOOK_TIMEOUT_MS);
    for (const server of servers.values()) await server.stop();
    await cluster?.teardown();
  });

  it('both checks pass against the real servers: every realserver up at its plan weight, the reasons name the answers', async () => {
    const lab = cluster as LabCluster;
    // every target up, and the last check of each says what answered (a check that was slow
    // once in the loaded guest leaves its reason until the next one: hence the wait)
    const reasons: Record<string, RegExp> = {
      'tls r1': /^GET https:\/\/10\.0\.0\.11:443\/health: status 200, body as expected$/,
      'tls r2': /^GET https:\/\/10\.0\.0\.12:443\/health: status 200, body as expected$/,
      'dns r1': /^dns 10\.0\.0\.11:53 www\.lab\.test A: 10\.0\.0\.100$/,
      'dns r2': /^dns 10\.0\.0\.12:53 www\.lab\.test A: 10\.0\.0\.100$/,
    };
    const seen = await waitUntil('every target up, its last check passed', () => lvsctlJson<HealthJson>(lab, 'health'), (s) => {
      const targets = s.json.hosts.find((h) => h.host === 'd')?.targets ?? [];
      return targets.length === 4 && targets.every((t) => t.state === 'up' && (reasons[`${t.service} ${t.host}`]?.test(t.reason) ?? false));
    }, { timeoutMs: BOUND_MS * 2, describe: (s) => explain(s.result) });
    assert.equal(seen.value.result.code, 0, explain(seen.value.result));
    answerOf(seen.value.json, 'd', seen.value.result.stdout);
    assert.equal(await weight(`TCP ${VIP}:443`, 'r2'), 3);
    assert.equal(await weight(`UDP ${VIP}:53`, 'r1'), 4);
  });

  it('a stopped https server is quiesced, and gets its weight back once it answers again (the certificate verified with the CA file)', async () => {
    await stopServer('https', 'r2');
    const down = await waitUntil('r2 at weight 0 on 443', () => weight(`TCP ${VIP}:443`, 'r2'), (w) => w === 0, { timeoutMs: BOUND_MS });
    await startServer('https', 'r2');
    const up = await waitUntil('r2 back at 3 on 443', () => weight(`TCP ${VIP}:443`, 'r2'), (w) => w === 3, { timeoutMs: BOUND_MS });
    assert.equal(await weight(`TCP ${VIP}:443`, 'r1'), 2, 'the other realserver is untouched');
    console.log(`      https: quiesced ${down.elapsedMs} ms after the stop, restored ${up.elapsedMs} ms after the restart`);
  });

  it('a stopped DNS server is quiesced on the udp service only, and restored', async () => {
    await stopServer('dns', 'r1');
    const down = await waitUntil('r1 at weight 0 on 53', () => weight(`UDP ${VIP}:53`, 'r1'), (w) => w === 0, { timeoutMs: BOUND_MS });
    assert.equal(await weight(`TCP ${VIP}:443`, 'r1'), 2, 'its https service is untouched');
    await startServer('dns', 'r1');
    const up = await waitUntil('r1 back at 4 on 53', () => weight(`UDP ${VIP}:53`, 'r1'), (w) => w === 4, { timeoutMs: BOUND_MS });
    console.log(`      dns: quiesced ${down.elapsedMs} ms after the stop, restored ${up.elapsedMs} ms after the restart`);
  });
});

const KEEPALIVED_CONF = `! checker-only: no vrrp_instance, keepalived runs with --check
global_defs {
   router_id lab_parity
}

virtual_server_group web {
   10.0.0.100 80
   10.0.0.101 80
}

virtual_server group web {
    delay_loop 2
    lb_algo wrr
    lb_kind DR
    protocol TCP
    persistence_timeout 300
    persistence_granularity 255.255.255.0
    real_server 10.0.0.11 80 {
        weight 3
        inhibit_on_failure
        HTTP_GET {
            url {
              path /
              status_code 200
            }
            connect_timeout 1
        }
    }
    real_server 10.0.0.12 80 {
        weight 1
        inhibit_on_failure
        HTTP_GET {
            url {
              path /
              status_code 200
            }
            connect_timeout 1
        }
    }
}

include parity.d/*.conf
`;

const INCLUDED_CONF = `virtual_server fwmark 7 {
    delay_loop 2
    lb_algo sh
    sh-port
    lb_kind DR
    persistence_timeout 60
    real_server 10.0.0.11 80 {
        weight 2
        TCP_CHECK {
            connect_port 80
            connect_timeout 1
        }
    }
    real_server 10.0.0.12 80 {
        weight 5
        TCP_CHECK {
            connect_port 80
            connect_timeout 1
        }
    }
}

virtual_server 10.0.0.100 8080 {
    delay_loop 2
    lb_algo lc
    lb_kind DR
    protocol TCP
    persistence_timeout 120
    persistence_granularity 255.255.0.0
    real_server 10.0.0.12 8080 {
        weight 7
    }
}
`;

const MANGLE = `*mangle
:PREROUTING ACCEPT [0:0]
-A PREROUTING -d 10.0.0.100/32 -p tcp -m multiport --dports 80,443 -j MARK --set-xmark 0x7/0xffffffff
COMMIT
`;

describe('lvsctl import --keepalived: the imported plan builds the table keepalived builds', function () {
  this.timeout(LAB_TEST_TIMEOUT_MS * 3);
  let cluster: LabCluster | undefined;
  let http: RealserverHttp | undefined;
  let keepalivedTable: string[] = [];
  let plan: PlanInput | undefined;

  before(async function () {
    this.timeout(CLUSTER_HOOK_TIMEOUT_MS);
    requireLabGuest();
    await mkdir(join(DIR, 'parity.d'), { recursive: true });
    await writeFile(join(DIR, 'keepalived.conf'), KEEPALIVED_CONF);
    await writeFile(join(DIR, 'parity.d', 'fwmark.conf'), INCLUDED_CONF);
    await writeFile(join(DIR, 'mangle.txt'), MANGLE);
    const imported = await runLvsctl(null, ['import', '--keepalived', join(DIR, 'keepalived.conf'), '--iptables', join(DIR, 'mangle.txt'), '--cluster', 'lab-parity']);
    assert.equal(imported.code, 0, explain(imported));
    // the lab's host names: the director placeholder is d, the realservers r1 and r2
    const text = imported.stdout.replaceAll('"director1"', '"d"').replaceAll('rs-10-0-0-11', 'r1').replaceAll('rs-10-0-0-12', 'r2');
    plan = JSON.parse(text) as PlanInput;
    plan.hosts.d = { role: 'director', address: '10.0.0.1' };
    cluster = await startLabCluster(plan, { prepareRealservers: true });
    http = await startRealserverHttp(['r1', 'r2'], 80);
  });
  after(async function () {
    this.timeout(CLUSTER_HOOK_TIMEOUT_MS);
    await http?.stopAll();
    await cluster?.teardown();
  });

  it('the imported plan validates and carries the checks over', async () => {
    const validated = await runLvsctl(null, ['validate', (cluster as LabCluster).planPath]);
    assert.equal(validated.code, 0, explain(validated));
    const services = (plan as PlanInput).services;
    assert.deepEqual(services.map((s) => s.name), ['tcp-10-0-0-100-80', 'tcp-10-0-0-101-80', 'fwmark-7', 'tcp-10-0-0-100-8080']);
    assert.equal(services[0].healthCheck?.type, 'http');
    assert.equal(services[2].healthCheck?.type, 'tcp');
  });

  it('keepalived --check loads the file into the director\'s IPVS table; ipvsadm -S -n saves it', async () => {
    const child = spawn('ip', ['netns', 'exec', 'd', '/usr/sbin/keepalived', '--dont-fork', '--log-console', '--no-syslog', '--check',
      '--use-file', join(DIR, 'keepalived.conf'), '--pid', join(DIR, 'keepalived.pid'), '--checkers_pid', join(DIR, 'checkers.pid')],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let log = '';
    child.stdout.on('data', (b: Buffer) => { log += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { log += b.toString(); });
    try {
      // 4 services, 7 destinations; then the same text twice in a row (its checks have run and changed nothing)
      let previous = '';
      const loaded = await waitUntil('keepalived\'s table, whole and steady', async () => (await runCommand('d', 'ipvsadm', ['-S', '-n'])).stdout, (text) => {
        const whole = text.split('\n').filter((l) => l.startsWith('-A ')).length === 4 && text.split('\n').filter((l) => l.startsWith('-a ')).length === 7;
        const steady = whole && text === previous;
        previous = text;
        return steady;
      }, { timeoutMs: 60_000, intervalMs: 2500, describe: (text) => `${text}\nkeepalived said:\n${log}` });
      keepalivedTable = sortedLines(loaded.value);
    } finally {
      process.kill(-(child.pid as number), 'SIGTERM');
      await new Promise<void>((resolve) => { if (child.exitCode !== null) resolve(); else child.once('exit', () => resolve()); });
    }
    await runCommand('d', 'ipvsadm', ['-C']);
    const empty = await runCommand('d', 'ipvsadm', ['-S', '-n']);
    assert.equal(empty.stdout.trim(), '', 'the director is empty before lvsctl applies');
    assert.ok(keepalivedTable.includes('-A -t 10.0.0.100:8080 -s lc -p 120 -M 255.255.0.0'), keepalivedTable.join('\n'));
  });

  it('the rollout of the imported plan on the empty director builds the same table, line for line', async () => {
    assert.ok(keepalivedTable.length > 0, 'runs after the keepalived test');
    const rollout = await (cluster as LabCluster).rollout();
    assert.equal(rollout.code, 0, explain(rollout));
    const ours = sortedLines((await runCommand('d', 'ipvsadm', ['-S', '-n'])).stdout);
    assert.deepEqual(ours, keepalivedTable);
    console.log(`      keepalived and lvsctl: the same ${ours.length} lines of ipvsadm -S -n`);
  });
});
