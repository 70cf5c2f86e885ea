// The agent keeps answering while it works: during a 20,000 services x 10 destinations apply
// (the real director applier on the in-memory kernel, the real gRPC server with mutual TLS),
// Hello calls made every 200 ms are all answered, and the slowest answer is reported.
import assert from 'assert';
import { createDirectorApplier } from '../../agent/director/applier';
import { FakeIpvs } from '../../agent/kernel/fake/ipvs';
import { FakeMarks } from '../../agent/kernel/fake/marks';
import { IpvsWriter } from '../../agent/kernel/ipvs-writer';
import { silentLogger } from '../../agent/logging';
import type { DirectorPlan } from '../../lvs/host-plan';
import { clientTo, mtls, startTestAgent, type TestAgent } from './support/agent-harness';
import { makeTestPki, type TestPki } from './support/pki';

const SERVICES = 20_000;
const DESTINATIONS = 10;

/** NAT services on distinct VIPs, ten realservers each: the size the issue names. */
function bigPlan(): DirectorPlan {
  return {
    role: 'director', cluster: 'big', host: 'lvs1', generation: 1, marks: [],
    services: Array.from({ length: SERVICES }, (_, i) => ({
      name: `s${i}`,
      service: { key: { kind: 'tcp' as const, vip: `10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`, port: 80 }, scheduler: 'wlc' as const, flags: [] },
      realservers: Array.from({ length: DESTINATIONS }, (_, r) => ({
        host: `rs${r}`, destination: { address: `192.168.${r}.${1 + (i % 250)}`, port: 8080, weight: 1, forwarding: 'nat' as const },
      })),
    })),
  };
}

describe('an agent that keeps answering during a 20,000 x 10 apply', function () {
  this.timeout(240_000);
  let pki: TestPki;
  let agent: TestAgent;
  const ipvs = new FakeIpvs();

  before(async () => {
    pki = await makeTestPki();
    agent = await startTestAgent({
      tls: pki.agent,
      applier: (stateDir) => createDirectorApplier({ stateDir, logger: silentLogger(), kernel: { ipvs: new IpvsWriter(ipvs), marks: new FakeMarks() } }),
    });
  });
  after(async () => {
    await agent.stop();
    pki.cleanup();
  });

  it('answers every Hello while it applies, and the table is loaded', async () => {
    const applying = clientTo(agent.port, mtls(pki.controller), 120_000);
    const asking = clientTo(agent.port, mtls(pki.controller), 10_000);
    const latencies: number[] = [];
    let done = false;
    const hellos = (async () => {
      while (!done) {
        const started = Date.now();
        await asking.hello();
        latencies.push(Date.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    try {
      const started = Date.now();
      const result = await applying.apply(bigPlan(), 'apply', () => undefined);
      const applyMs = Date.now() - started;
      done = true;
      await hellos;
      assert.equal(result.outcome, 'changed', result.message);
      assert.equal(ipvs.snapshot().length, SERVICES);
      const slowest = Math.max(...latencies);
      console.log(`      apply of ${SERVICES} x ${DESTINATIONS} took ${applyMs} ms end to end; ${latencies.length} Hello calls answered meanwhile, the slowest in ${slowest} ms`);
      assert.ok(latencies.length >= 3, `Hello was answered only ${latencies.length} time(s) during the apply`);
    } finally {
      done = true;
      applying.close();
      asking.close();
    }
  });
});
