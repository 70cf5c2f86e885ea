// In-memory agents for the read-only commands: canned answers per host, an unreachable
// host throws as the gRPC reader does, and what each was asked is recorded.
import { readFileSync } from 'fs';
import { join } from 'path';
import type { AgentHealthReport } from '../../../lvs/health/report';
import type { ConnectionEntry, ConnectionFilter } from '../../../lvs/formats/ipvs-connections';
import type { DirectorStatus } from '../../../lvs/wire/status-encode';
import { AgentUnreachableError } from '../../../controller/client/agent-client';
import { AgentRefusedError, type AgentReader, type AgentReaderConnector } from '../../../controller/client/agent-reader';
import type { FleetCommandDeps } from '../../../controller/fleet/commands';
import { loadPlanText } from '../../../controller/plan/load';

export interface CannedAgent {
  health?: AgentHealthReport;
  status?: DirectorStatus;
  connections?: ConnectionEntry[];
  unreachable?: boolean;
  /** reports a watch sends after the first one */
  watchReports?: AgentHealthReport[];
}

export const PLAN_PATH = 'ppc.json';

/** planText: the plan the command reads (test/fixtures/plans/ppc.json by default). */
export function fleetDeps(agents: Record<string, CannedAgent>, planText?: string): FleetCommandDeps & { out: () => string; asked: Partial<ConnectionFilter>[] } {
  let out = '';
  const asked: Partial<ConnectionFilter>[] = [];
  const text = planText ?? readFileSync(join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'plans', 'ppc.json'), 'utf8');
  const connector: AgentReaderConnector = (target) => {
    const agent = agents[target.host] ?? {};
    const gone = (): never => { throw new AgentUnreachableError(target.host, `agent of ${target.host} at ${target.address}:${target.port}: connection refused; is lvsctl-agent running there?`); };
    const answer = <T>(value: T | undefined, what: string): Promise<T> => {
      if (agent.unreachable) return Promise.reject(gone());
      if (value === undefined) return Promise.reject(new AgentRefusedError(target.host, `agent of ${target.host} answered FAILED_PRECONDITION: no ${what}`));
      return Promise.resolve(value);
    };
    const reader: AgentReader = {
      health: () => answer(agent.health, 'health'),
      status: () => answer(agent.status, 'status'),
      connections: (filter) => { asked.push(filter); return answer(agent.connections, 'connections'); },
      watchHealth: (onReport) => {
        if (agent.unreachable) return { done: Promise.reject(gone()), cancel: () => undefined };
        const reports = [agent.health, ...(agent.watchReports ?? [])].filter((r): r is AgentHealthReport => r !== undefined);
        let cancel: () => void = () => undefined;
        const done = new Promise<void>((resolve) => {
          cancel = resolve;
          for (const r of reports) onReport(r);
        });
        return { done, cancel: () => cancel() };
      },
      close: () => undefined,
    };
    return reader;
  };
  return {
    loadPlanFile: async () => loadPlanText(text),
    resolveAddresses: async (plan) => ({
      addresses: new Map(Object.entries(plan.hosts).map(([name, h]) => [name, h.address ?? ''])),
      problems: [],
    }),
    makeConnector: () => connector,
    stdout: { write: (t: string) => { out += t; } },
    stderr: { write: () => undefined },
    now: () => new Date('2025-03-01T12:00:10Z'),
    out: () => out,
    asked,
  };
}

const AT = new Date('2025-03-01T12:00:00Z');
const KEY = { kind: 'tcp', vip: '172.23.136.150', port: 80 } as const;

export function directorHealth(rs2: 'up' | 'down'): AgentHealthReport {
  const row = (host: string, address: string, state: 'up' | 'down', weight: number) => ({
    service: 'phpmyadmin', serviceKey: KEY, host, address, checked: true, state, plannedWeight: 1, currentWeight: weight,
    keptLast: false, lastCheckAt: new Date('2025-03-01T12:00:08Z'), lastLatencyMs: 2.4,
    reason: state === 'up' ? 'GET http://x/: status 200' : 'GET http://172.23.136.149:80/: connect ECONNREFUSED',
    kernel: { weight, activeConnections: state === 'up' ? 4 : 0, inactiveConnections: 7 },
  });
  return {
    host: 'lvs', role: 'director', at: AT, heartbeat: false, selfChecks: [],
    targets: [row('rs1', '172.23.136.148:80', 'up', 1), row('rs2', '172.23.136.149:80', rs2, rs2 === 'up' ? 1 : 0)],
    events: rs2 === 'down' ? [{ at: AT, kind: 'transition', service: 'phpmyadmin', host: 'rs2', address: '172.23.136.149:80', from: 'up', to: 'down', message: 'connect ECONNREFUSED' }] : [],
  };
}

export function realserverHealth(host: string, listening: boolean): AgentHealthReport {
  return {
    host, role: 'realserver', at: AT, heartbeat: false, targets: [], events: [], selfCheckedAt: AT,
    selfChecks: [
      { action: 'check-vip', target: '172.23.136.150', status: 'ok', message: 'the VIP is on lo as /32' },
      listening
        ? { action: 'check-port-listening', target: 'phpmyadmin port 80', status: 'ok', message: 'something listens on port 80' }
        : { action: 'check-port-listening', target: 'phpmyadmin port 80', status: 'failed', message: 'nothing listens on tcp port 80 for phpmyadmin', fix: 'start the server of phpmyadmin on port 80' },
    ],
  };
}

export function directorStatus(weights: [number, number], extraDestination = false): DirectorStatus {
  const dest = (address: string, weight: number) => ({
    destination: { address, port: 80, weight, forwarding: 'dr' as const }, activeConnections: 2, inactiveConnections: 5,
    stats: { connections: 40, inPackets: 300, outPackets: 0, inBytes: 20000, outBytes: 0 },
  });
  return {
    host: 'lvs',
    services: [{
      service: { key: KEY, scheduler: 'rr', flags: [], persistence: { timeout: 360 } }, managed: true,
      stats: { connections: 80, inPackets: 600, outPackets: 0, inBytes: 40000, outBytes: 0 },
      destinations: [dest('172.23.136.148', weights[0]), dest('172.23.136.149', weights[1]), ...(extraDestination ? [dest('172.23.136.160', 1)] : [])],
    }],
  };
}
