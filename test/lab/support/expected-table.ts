// What a simple plan means in the kernel, written out by hand (not with lvsctl's own code, so
// the two cannot agree by accident): the `ipvsadm -S -n` lines of its services, and the rules
// of the mark chain as `iptables-legacy-save` prints them. Covers what apply-faults.test.ts
// uses: DR services, port or firewall mark, no persistence, scheduler flags or remapped ports;
// mark rules without an interface.
import type { PlanInput } from '../../../controller/plan/schema';

/** The `ipvsadm -S -n` lines of the plan's services, in plan order (the kernel's order differs: compare sorted). */
export function planIpvsLines(plan: PlanInput): string[] {
  const lines: string[] = [];
  for (const service of plan.services) {
    if (service.forwarding !== undefined && service.forwarding !== 'dr') throw new Error(`planIpvsLines: service ${service.name} is not DR`);
    if (service.persistence !== undefined || service.schedulerFlags !== undefined) throw new Error(`planIpvsLines: service ${service.name} has settings this helper does not write`);
    const fwmark = service.fwmark !== undefined;
    const key = fwmark ? `-f ${service.fwmark}` : `-${service.protocol === 'udp' ? 'u' : 't'} ${service.vip}:${service.port}`;
    lines.push(`-A ${key} -s ${service.scheduler ?? 'wlc'}`);
    for (const realserver of service.realservers) {
      const address = plan.hosts[realserver.host]?.address;
      if (address === undefined) throw new Error(`planIpvsLines: host ${realserver.host} has no address in the plan`);
      lines.push(`-a ${key} -r ${address}:${fwmark ? 0 : service.port} -g -w ${realserver.weight ?? 1}`);
    }
  }
  return lines;
}

/** The rules of the agent's chain LVSCTL-MARK the plan means, in order. */
export function planMarkLines(plan: PlanInput): string[] {
  return (plan.marks ?? []).map((rule) => {
    if (rule.inInterface !== undefined) throw new Error('planMarkLines: a rule with an interface');
    const match = rule.ports.length === 1 ? `-m ${rule.protocol} --dport ${rule.ports[0]}` : `-m multiport --dports ${rule.ports.join(',')}`;
    return `-A LVSCTL-MARK -d ${rule.destination}/32 -p ${rule.protocol} ${match} -j MARK --set-xmark 0x${rule.mark.toString(16)}/0xffffffff`;
  });
}

/** The lines of `text` that are rules (not blank), sorted: two tables compared whatever order the kernel lists them in. */
export function sortedLines(text: string | readonly string[]): string[] {
  const lines = typeof text === 'string' ? text.split('\n') : [...text];
  return lines.filter((line) => line.trim() !== '').sort();
}

/** The owned chain's rules and the number of jumps to it, from `iptables-legacy-save -t mangle`. */
export function ownedChainOf(mangle: string): { rules: string[]; jumps: number } {
  const lines = mangle.split('\n');
  return {
    rules: lines.filter((line) => line.startsWith('-A LVSCTL-MARK ')),
    jumps: lines.filter((line) => line === '-A PREROUTING -j LVSCTL-MARK').length,
  };
}
