// In-memory agents for rollout tests: each host answers as its script says, and every
// call is recorded (order, mode, the plan sent, how many ran at once).
import type { ApplyEvent, ApplyMode, ApplyOutcome, DiffEvent, ResultEvent, StepEvent } from '../../../lvs/apply-events';
import type { HostPlan } from '../../../lvs/host-plan';
import { compileHostPlans } from '../../../controller/plan/compile';
import { planSchema, type PlanInput } from '../../../controller/plan/schema';
import { AgentUnreachableError, type AgentClient, type AgentConnector } from '../../../controller/client/agent-client';

export interface AgentScript {
  /** the role the agent claims; the plan's role by default */
  role?: 'director' | 'realserver';
  /** where it stops answering */
  unreachableAt?: 'connect' | 'hello' | 'apply';
  steps?: StepEvent[];
  diffs?: DiffEvent[];
  /** derived from the steps when absent */
  outcome?: ApplyOutcome;
  /** how long hello and apply take, to overlap calls */
  delayMs?: number;
  /** how long its prepare takes */
  prepareMs?: number;
  /** the client returns the result without streaming it */
  resultNotStreamed?: boolean;
  /** what its Hello says it can do (none by default) */
  capabilities?: string[];
}

export interface AgentCall {
  host: string;
  /** prepared: its prepare is done; close: its client was closed */
  op: 'connect' | 'hello' | 'prepare' | 'prepared' | 'apply' | 'close';
  /** hello: what it said of an apply to follow */
  applyFollows?: boolean;
  mode?: ApplyMode;
  plan?: HostPlan;
}

export const step = (action: string, target: string, status: StepEvent['status'], message = '', fix?: string): StepEvent => ({
  kind: 'step', action, target, status, message, ...(fix ? { fix } : {}),
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class ScriptedAgents {
  readonly calls: AgentCall[] = [];
  readonly closed: string[] = [];
  inFlight = 0;
  maxInFlight = 0;

  /** plans: where an agent takes its role from when its script does not say */
  constructor(
    private readonly scripts: Record<string, AgentScript> = {},
    private readonly plans?: ReadonlyMap<string, { role: 'director' | 'realserver' }>,
  ) {}

  applies(): AgentCall[] {
    return this.calls.filter((c) => c.op === 'apply');
  }

  readonly connector: AgentConnector = (target) => {
    const script = this.scripts[target.host] ?? {};
    this.calls.push({ host: target.host, op: 'connect' });
    if (script.unreachableAt === 'connect') {
      throw new AgentUnreachableError(target.host, `connect ECONNREFUSED ${target.address}:${target.port}`);
    }
    return this.client(target.host, script);
  };

  private async busy<T>(script: AgentScript, work: () => T): Promise<T> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await sleep(script.delayMs ?? 0);
      return work();
    } finally {
      this.inFlight--;
    }
  }

  private client(host: string, script: AgentScript): AgentClient {
    return {
      hello: (options) => this.busy(script, () => {
        this.calls.push({ host, op: 'hello', ...(options?.applyFollows !== undefined ? { applyFollows: options.applyFollows } : {}) });
        if (script.unreachableAt === 'hello') throw new AgentUnreachableError(host, 'deadline exceeded after 5s');
        const role = script.role ?? this.plans?.get(host)?.role ?? 'realserver';
        return { host, role, version: '0.1.0', capabilities: script.capabilities ?? [] };
      }),
      prepare: async (plan, mode) => {
        this.calls.push({ host, op: 'prepare', mode, plan });
        await sleep(script.prepareMs ?? 0);
        this.calls.push({ host, op: 'prepared', mode, plan });
      },
      apply: (plan, mode, onEvent) => this.busy(script, () => {
        this.calls.push({ host, op: 'apply', mode, plan });
        if (script.unreachableAt === 'apply') throw new AgentUnreachableError(host, 'stream closed: connection reset');
        const steps = script.steps ?? [];
        for (const e of [...steps, ...(script.diffs ?? [])] as ApplyEvent[]) onEvent(e);
        const changed = steps.filter((s) => s.status === 'changed').length;
        const outcome: ApplyOutcome = script.outcome
          ?? (steps.some((s) => s.status === 'failed') ? 'failed' : changed > 0 ? 'changed' : 'ok');
        const result: ResultEvent = { kind: 'result', outcome, changed, message: `${changed} changed` };
        if (!script.resultNotStreamed) onEvent(result);
        return result;
      }),
      close: () => {
        this.closed.push(host);
        this.calls.push({ host, op: 'close' });
      },
    };
  }
}

/** lvs1 in front of web1 and web2 (service "www"), web3 only in service "ftp". */
export const SHOP_PLAN: PlanInput = {
  apiVersion: 'lvsctl/v1',
  cluster: 'shop',
  hosts: {
    lvs1: { role: 'director', address: '10.0.0.1' },
    web1: { role: 'realserver', address: '10.0.0.11' },
    web2: { role: 'realserver', address: '10.0.0.12' },
    web3: { role: 'realserver', address: '10.0.0.13' },
  },
  marks: [{ mark: 2, protocol: 'tcp', destination: '10.0.0.101', ports: ['21', '10000:12000'] }],
  services: [
    { name: 'www', vip: '10.0.0.100', port: 80, scheduler: 'rr', realservers: [{ host: 'web1' }, { host: 'web2' }] },
    {
      name: 'ftp', fwmark: 2, persistence: { timeout: 360 }, ftp: { controlPort: 21, passivePorts: '10000:12000' },
      realservers: [{ host: 'web3', weight: 3 }],
    },
  ],
};

export function compileShop(input: PlanInput = SHOP_PLAN): { plans: Map<string, HostPlan>; targets: Map<string, { address: string; port: number }> } {
  const plan = planSchema.parse(input);
  const addresses = new Map(Object.entries(plan.hosts).map(([h, spec]) => [h, spec.address ?? '']));
  const plans = compileHostPlans(plan, addresses, 0);
  const targets = new Map([...addresses].map(([h, address]) => [h, { address, port: plan.hosts[h].agentPort ?? plan.agent.port }]));
  return { plans, targets };
}
