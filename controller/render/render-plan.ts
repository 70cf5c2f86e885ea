// `lvsctl render`: the plan as the commands an operator would have typed on each host, and
// as the batch texts the agents feed to ipvsadm -R and iptables-restore. Both come from
// compileHostPlans, the rollout's own source, so render and rollout never disagree. Pure.
import type { HostPlan } from '../../lvs/host-plan';
import { renderIpvsState } from '../../lvs/formats/ipvsadm-format';
import { renderMarkChainRestore } from '../../lvs/formats/iptables-format';
import { isIpv6 } from '../../lvs/model';
import { compileHostPlans, type ResolvedAddresses } from '../plan/compile';
import type { Plan } from '../plan/schema';
import { directorCommands, directorTable } from './director-commands';
import { hostHeading, type HostCommands } from './host-commands';
import { realserverCommands } from './realserver-commands';

export interface RenderOptions {
  /** only this host */
  host?: string;
}

/** Thrown for a --host the plan does not have. */
export class UnknownHostError extends Error {
  constructor(readonly host: string, readonly known: string[]) {
    super(`host "${host}" is not in the plan; its hosts are: ${known.join(', ')}`);
  }
}

function selectedPlans(plan: Plan, addresses: ResolvedAddresses, opts: RenderOptions): Array<[string, HostPlan]> {
  const known = Object.keys(plan.hosts);
  if (opts.host !== undefined && !known.includes(opts.host)) throw new UnknownHostError(opts.host, known);
  // Render shows what a rollout means, not a particular rollout: generation 0.
  const plans = [...compileHostPlans(plan, addresses, 0)];
  return opts.host === undefined ? plans : plans.filter(([host]) => host === opts.host);
}

function addressOf(addresses: ResolvedAddresses, host: string): string {
  return addresses.get(host) ?? '?';
}

export function renderHandCommands(plan: Plan, addresses: ResolvedAddresses, opts: RenderOptions = {}): HostCommands[] {
  return selectedPlans(plan, addresses, opts).map(([host, hostPlan]) => ({
    host,
    role: hostPlan.role,
    address: addressOf(addresses, host),
    commands: hostPlan.role === 'director' ? directorCommands(hostPlan) : realserverCommands(hostPlan),
  }));
}

/** One text fed to one program's stdin. */
export interface BatchInput {
  /** the command that reads it, e.g. "ipvsadm -R" */
  program: 'ipvsadm -R' | 'iptables-restore --noflush' | 'ip6tables-restore --noflush';
  input: string;
}

export interface HostBatch extends HostCommands {
  /** a director's batch inputs; none for a realserver, whose few commands are run one by one */
  batches: BatchInput[];
}

/**
 * The batch forms: for a director, the whole table as `ipvsadm -R` input and the owned mark
 * chain as `iptables-restore --noflush` input (as on a director without lvsctl's chain yet);
 * its `commands` keep only what has no batch form. A realserver keeps its commands.
 */
export function renderBatchForms(plan: Plan, addresses: ResolvedAddresses, opts: RenderOptions = {}): HostBatch[] {
  return selectedPlans(plan, addresses, opts).map(([host, hostPlan]) => {
    const base = { host, role: hostPlan.role, address: addressOf(addresses, host) };
    if (hostPlan.role === 'realserver') return { ...base, commands: realserverCommands(hostPlan), batches: [] };
    const batches: BatchInput[] = [{ program: 'ipvsadm -R', input: renderIpvsState(directorTable(hostPlan)) }];
    const v4 = hostPlan.marks.filter((m) => !isIpv6(m.destination));
    const v6 = hostPlan.marks.filter((m) => isIpv6(m.destination));
    if (v4.length > 0) batches.push({ program: 'iptables-restore --noflush', input: renderMarkChainRestore(v4, { jumpPresent: false }) });
    if (v6.length > 0) {
      batches.push({ program: 'ip6tables-restore --noflush', input: renderMarkChainRestore(v6, { jumpPresent: false, family: 'inet6' }) });
    }
    const commands = directorCommands(hostPlan).filter((l) => !l.startsWith('ipvsadm ') && !/^ip6?tables /.test(l));
    return { ...base, commands, batches };
  });
}

/** Batch forms as a text an operator can paste: each input as a here-document. */
export function formatBatchForms(hosts: readonly HostBatch[]): string {
  return hosts
    .map((h) => {
      const lines = [hostHeading(h), ...h.commands];
      for (const b of h.batches) {
        lines.push(`${b.program} <<'EOF'`);
        for (const line of b.input.split('\n')) if (line !== '') lines.push(line);
        lines.push('EOF');
      }
      return lines.join('\n') + '\n';
    })
    .join('\n');
}
