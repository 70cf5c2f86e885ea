// The director's health monitor runs on the clock the agent's health wiring is given
// (agent/health/agent-health.ts): with a test clock, checks happen when that clock says so.
import assert from 'assert';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { createAgentHealth } from '../../../agent/health/agent-health';
import { IpvsWriter } from '../../../agent/kernel/ipvs-writer';
import { LinuxIpvs } from '../../../agent/kernel/linux/ipvs';
import { silentLogger } from '../../../agent/logging';
import { createAgentMetrics } from '../../../agent/metrics/agent-metrics';
import { CapturedIpvsadm, labDirectorPlan } from '../../integration/support/health-agent';
import { FakeApplier } from '../../integration/support/fake-applier';
import { FakeClock } from '../health/fake-clock';

describe('director health wiring: the monitor keeps the clock it is given', () => {
  it('schedules its checks on the injected clock and runs them only when that clock moves', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'lvsctl-director-clock-'));
    const clock = new FakeClock();
    const checked: string[] = [];
    const health = createAgentHealth({
      role: 'director', stateDir, logger: silentLogger(), metrics: createAgentMetrics(),
      ipvs: new IpvsWriter(new LinuxIpvs(new CapturedIpvsadm().exec)),
      procFiles: { read: async () => '1\n', write: async () => undefined },
      runCheck: async (spec, address) => { checked.push(address); return { ok: true, latencyMs: 0.5, detail: `tcp ${address}:${spec.port}: connected` }; },
      clock,
    });
    try {
      await health.start();
      await health.wrap(new FakeApplier()).apply(labDirectorPlan(), 'apply', () => undefined);
      assert.ok(clock.pendingCount() > 0, 'the monitor set its timers on the injected clock');
      const before = checked.length;
      await clock.advance(1_000);
      assert.ok(checked.length > before, `checks ran as the injected clock moved (${before} before, ${checked.length} after)`);
      assert.deepStrictEqual([...new Set(checked)].sort(), ['10.0.0.11', '10.0.0.12']);
    } finally {
      await health.stop();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
