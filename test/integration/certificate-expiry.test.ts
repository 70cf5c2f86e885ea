// Certificates close to their end, seen from the commands an operator runs every day: the
// controller's own and the agent's it connects to, each warned of on stderr with the day and
// the fix (controller/client/certificate-expiry-warnings.ts); nothing said of fresh ones.
import assert from 'assert';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { initCertDir, issueIntoCertDir } from '../../controller/certs/cert-dir';
import { startTestAgent, type TestAgent } from './support/agent-harness';
import { runLvsctl, shown } from './support/lvsctl-process';

const DAY_MS = 86_400_000;
/** certificates last 825 days: one issued this long ago has this many left */
const issuedDaysAgo = (daysLeft: number): Date => new Date(Date.now() - (825 - daysLeft) * DAY_MS);

describe('certificates close to their end, warned of by the fleet commands', function () {
  this.timeout(60_000);
  let dir: string;
  let agent: TestAgent;
  let plan: string;
  const files = (name: string): string[] => ['--ca', join(dir, 'ca.crt'), '--cert', join(dir, `${name}.crt`), '--key', join(dir, `${name}.key`)];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lvsctl-cert-expiry-'));
    await initCertDir(dir, new Date());
    await issueIntoCertDir(dir, 'lvs1', { ips: ['127.0.0.1'], dnsNames: [] }, issuedDaysAgo(10));
    await issueIntoCertDir(dir, 'controller', { ips: [], dnsNames: [] }, issuedDaysAgo(12));
    await issueIntoCertDir(dir, 'fresh', { ips: ['127.0.0.1'], dnsNames: [] }, new Date());
    agent = await startTestAgent({ tls: { ca: join(dir, 'ca.crt'), cert: join(dir, 'lvs1.crt'), key: join(dir, 'lvs1.key') } });
    plan = join(dir, 'plan.json');
    writeFileSync(plan, JSON.stringify({ apiVersion: 'lvsctl/v1', cluster: 'c', hosts: { lvs1: { role: 'director', address: '127.0.0.1', agentPort: agent.port } }, services: [] }));
  });
  after(async () => {
    await agent.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lvsctl health names the agent whose certificate ends within 30 days, its day and the fix, and still answers', async () => {
    const exit = await runLvsctl(['health', plan, ...files('fresh'), '--json'], { killAfterMs: 40_000 });

    assert.notEqual(exit.code, 3, shown(exit));
    const warnings = exit.stderr.split('\n').filter((l) => l.startsWith('warning:'));
    assert.equal(warnings.length, 1, shown(exit));
    assert.match(warnings[0] as string, /^warning: the certificate of lvs1's agent expires on \d{4}-\d{2}-\d{2} \(in (9|10) days\); .*remove DIR\/lvs1\.crt and DIR\/lvs1\.key in the CA directory and run lvsctl bootstrap PLAN --limit lvs1/);
    JSON.parse(exit.stdout);
  });

  it('lvsctl status warns of the controller\'s own certificate as well, each once', async () => {
    const exit = await runLvsctl(['status', plan, ...files('controller')], { killAfterMs: 40_000 });

    const warnings = exit.stderr.split('\n').filter((l) => l.startsWith('warning:'));
    assert.equal(warnings.length, 2, shown(exit));
    assert.match(warnings[0] as string, new RegExp(`^warning: the controller's certificate ${join(dir, 'controller.crt').replace(/[.]/g, '\\.')} \\(controller\\) expires on \\S+ \\(in (11|12) days\\); after that every agent refuses it\\. Renew it in the CA directory .*lvsctl certs issue ${dir.replace(/[.]/g, '\\.')} controller`));
    assert.match(warnings[1] as string, /^warning: the certificate of lvs1's agent expires/);
  });

  it('says nothing of certificates with months left', async () => {
    const agentFresh = await startTestAgent({ tls: { ca: join(dir, 'ca.crt'), cert: join(dir, 'fresh.crt'), key: join(dir, 'fresh.key') } });
    try {
      const freshPlan = join(dir, 'fresh-plan.json');
      writeFileSync(freshPlan, JSON.stringify({ apiVersion: 'lvsctl/v1', cluster: 'c', hosts: { fresh: { role: 'director', address: '127.0.0.1', agentPort: agentFresh.port } }, services: [] }));
      const exit = await runLvsctl(['health', freshPlan, ...files('fresh')], { killAfterMs: 40_000 });

      assert.notEqual(exit.code, 3, shown(exit));
      assert.doesNotMatch(exit.stderr, /warning:/, shown(exit));
    } finally {
      await agentFresh.stop();
    }
  });
});
