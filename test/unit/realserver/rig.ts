// A realserver verifier on a fake host with a fresh state directory, and plan builders.
import { silentLogger } from '../../../agent/logging';
import type { ApplyEvent, ApplyMode, ResultEvent, StepEvent } from '../../../lvs/apply-events';
import type { HostPlan, RealserverDuty, RealserverPlan } from '../../../lvs/host-plan';
import { FakeRealserverHost, type FakeRealserverOptions } from '../../../agent/kernel/fake/realserver-fakes';
import { createRealserverVerifier } from '../../../agent/realserver/verifier';
import { tempDir } from '../../temp-dirs';

export const ADDRESS = '10.0.0.11';
export const DIRECTOR = '10.0.0.1';
export const VIP = '10.0.0.100';

export function duty(over: Partial<RealserverDuty> = {}): RealserverDuty {
  return { service: 'web', forwarding: 'dr', vips: [VIP], directors: [DIRECTOR], ...over };
}

export function realserverPlan(over: Partial<RealserverPlan> = {}): RealserverPlan {
  return { role: 'realserver', cluster: 'shop', host: 'web1', generation: 1, address: ADDRESS, prepare: false, duties: [duty()], ...over };
}

export interface RunOutcome {
  result: ResultEvent;
  events: ApplyEvent[];
  steps: StepEvent[];
  /** the step of that action (and target, when given); throws when there is none */
  step(action: string, target?: string): StepEvent;
}

export interface Rig {
  host: FakeRealserverHost;
  stateDir: string;
  run(plan: HostPlan, mode?: ApplyMode): Promise<RunOutcome>;
}

/** A host whose eth0 holds ADDRESS, default route via DIRECTOR, every ARP sysctl 0. */
export function bareHost(over: Partial<FakeRealserverOptions> = {}): FakeRealserverHost {
  return new FakeRealserverHost({ address: ADDRESS, gateway: DIRECTOR, ...over });
}

/** A host already set up by hand for LVS-DR with VIP. */
export function drReadyHost(): FakeRealserverHost {
  const host = bareHost();
  host.addAddress('lo', VIP, 32);
  for (const dev of ['all', 'eth0']) {
    host.sysctls.set(`net.ipv4.conf.${dev}.arp_ignore`, '1');
    host.sysctls.set(`net.ipv4.conf.${dev}.arp_announce`, '2');
  }
  return host;
}

export async function rig(host: FakeRealserverHost = bareHost(), stateDir?: string): Promise<Rig> {
  const dir = stateDir ?? (await tempDir('lvsctl-realserver-'));
  const verifier = createRealserverVerifier({ stateDir: dir, logger: silentLogger(), kernel: host.kernel() });
  return {
    host,
    stateDir: dir,
    async run(plan, mode = 'check') {
      const events: ApplyEvent[] = [];
      const result = await verifier.apply(plan, mode, (e) => events.push(e));
      const steps = events.filter((e): e is StepEvent => e.kind === 'step');
      return {
        result,
        events,
        steps,
        step(action, target) {
          const found = steps.find((s) => s.action === action && (target === undefined || s.target === target));
          if (!found) throw new Error(`no step ${action} ${target ?? ''} among:\n${steps.map((s) => `${s.action} ${s.target} ${s.status}`).join('\n')}`);
          return found;
        },
      };
    },
  };
}
