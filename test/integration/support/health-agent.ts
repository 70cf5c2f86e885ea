// A real agent gRPC server on 127.0.0.1:0 with its health wiring (agent/health/agent-health.ts)
// over a fake kernel: ipvsadm answers with output captured in the lab, `ipvsadm -R` batches
// are recorded, health checks are injected, and the applier is the in-memory FakeApplier.
import { IpvsWriter } from '../../../agent/kernel/ipvs-writer';
import { LinuxIpvs } from '../../../agent/kernel/linux/ipvs';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import type { DirectorPlan } from '../../../lvs/host-plan';
import type { Exec } from '../../../agent/kernel/exec';
import { createAgentHealth, type AgentHealth } from '../../../agent/health/agent-health';
import type { RunCheck } from '../../../agent/health/checkers';
import { silentLogger } from '../../../agent/logging';
import { createAgentMetrics, type AgentMetrics } from '../../../agent/metrics/agent-metrics';
import { AgentService } from '../../../agent/server/agent-service';
import { startAgentServer, type RunningAgent } from '../../../agent/server/agent-server';
import { fileGenerationStore } from '../../../agent/state/generation';
import { FakeApplier } from './fake-applier';

const FIXTURES = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'captured');

export function labCapture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

/** Answers ipvsadm's listings from the lab captures and records every `ipvsadm -R` batch. */
export class CapturedIpvsadm {
  readonly batches: string[] = [];
  /** set: every listing fails with this stderr, as ipvsadm does when the table cannot be read */
  listingFails: string | undefined;
  exec: Exec = async (file, args, options) => {
    const command = [file, ...args].join(' ');
    if (this.listingFails !== undefined && command.startsWith('ipvsadm -L')) throw new Error(this.listingFails);
    if (command === 'ipvsadm -R') {
      this.batches.push(options?.input ?? '');
      return { stdout: '', stderr: '' };
    }
    if (command === 'ipvsadm -L -n --exact') return { stdout: labCapture('ipvsadm-Ln-exact.txt'), stderr: '' };
    if (command === 'ipvsadm -L -n --stats --exact') return { stdout: labCapture('ipvsadm-Ln-stats-exact.txt'), stderr: '' };
    if (command === 'ipvsadm -L -c -n') return { stdout: labCapture('ipvsadm-Lcn-with-fwmark.txt'), stderr: '' };
    throw new Error(`unexpected command in a test: ${command}`);
  };
}

/** Health checks the test turns on and off per realserver address. */
export class SwitchableChecks {
  readonly failing = new Set<string>();
  run: RunCheck = async (spec, address) => this.failing.has(address)
    ? { ok: false, latencyMs: 1.5, detail: `tcp ${address}:${spec.port}: connect ECONNREFUSED ${address}:${spec.port}` }
    : { ok: true, latencyMs: 0.5, detail: `tcp ${address}:${spec.port}: connected in 0 ms` };
}

export interface HealthTestAgent {
  port: number;
  stateDir: string;
  health: AgentHealth;
  metrics: AgentMetrics;
  ipvsadm: CapturedIpvsadm;
  checks: SwitchableChecks;
  applier: FakeApplier;
  running: RunningAgent;
  stop(): Promise<void>;
}

export async function startDirectorWithHealth(opts: { heartbeatMs?: number; stateDir?: string } = {}): Promise<HealthTestAgent> {
  const stateDir = opts.stateDir ?? mkdtempSync(join(tmpdir(), 'lvsctl-health-'));
  const ipvsadm = new CapturedIpvsadm();
  const checks = new SwitchableChecks();
  const metrics = createAgentMetrics();
  const health = createAgentHealth({
    role: 'director', stateDir, logger: silentLogger(), metrics, ipvs: new IpvsWriter(new LinuxIpvs(ipvsadm.exec)),
    procFiles: { read: async () => '1\n', write: async () => undefined },
    runCheck: checks.run,
  });
  await health.start();
  const applier = new FakeApplier();
  const service = new AgentService({
    identity: { host: 'lvs1', role: 'director', version: '9.9.9', capabilities: ['ipvs', 'health'] },
    applier: health.wrap(applier),
    generations: fileGenerationStore(stateDir),
    authorization: { tls: false, allow: [] },
    logger: silentLogger(),
    health: health.health,
    ...(health.status ? { status: health.status } : {}),
    connections: { read: () => new LinuxIpvs(ipvsadm.exec).connections() },
    healthWatch: { heartbeatMs: opts.heartbeatMs ?? 15_000 },
  });
  const running = await startAgentServer({ listen: { host: '127.0.0.1', port: 0 }, tls: undefined, service, logger: silentLogger(), shutdownGraceMs: 300 });
  return {
    port: running.port, stateDir, health, metrics, ipvsadm, checks, applier, running,
    async stop() {
      await running.shutdown();
      await health.stop();
      if (!opts.stateDir) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** The lab cluster's tcp 10.0.0.100:80 service with web1 and web2, checked every 20 ms. */
export function labDirectorPlan(generation = 1): DirectorPlan {
  return {
    role: 'director', cluster: 'lab', host: 'lvs1', generation, marks: [],
    services: [{
      name: 'web',
      service: { key: { kind: 'tcp', vip: '10.0.0.100', port: 80 }, scheduler: 'wlc', flags: [], persistence: { timeout: 360, netmask: '255.255.255.0' } },
      realservers: [
        { host: 'web1', destination: { address: '10.0.0.11', port: 80, weight: 3, forwarding: 'dr' } },
        { host: 'web2', destination: { address: '10.0.0.12', port: 80, weight: 1, forwarding: 'dr' } },
      ],
      healthCheck: { type: 'tcp', port: 80, path: '', expectStatus: 0, intervalMs: 20, timeoutMs: 10, fall: 1, rise: 1 },
    }],
  };
}

export async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
