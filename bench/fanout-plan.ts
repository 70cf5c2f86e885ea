// The fan-out's cluster: N realservers rs001.. at 10.9.1.1.. (inside a private network
// namespace on this machine), one LVS-DR service whose VIP they hold on lo, and a director
// that exists only in the plan (rollouts are limited to the realservers: this machine's
// kernel has no IPVS).
export const FANOUT_VIP = '10.9.255.1';
export const FANOUT_DIRECTOR = { name: 'lvs1', address: '10.9.0.1' } as const;

export function fanoutHosts(n: number): Array<{ name: string; address: string }> {
  if (!Number.isInteger(n) || n < 1 || n > 250) throw new Error(`the fan-out takes 1..250 agents, got ${n}`);
  return Array.from({ length: n }, (_, i) => ({ name: `rs${String(i + 1).padStart(3, '0')}`, address: `10.9.1.${i + 1}` }));
}

export function fanoutPlan(n: number): string {
  const hosts = fanoutHosts(n);
  return `${JSON.stringify({
    apiVersion: 'lvsctl/v1',
    cluster: 'fanout',
    hosts: {
      [FANOUT_DIRECTOR.name]: { role: 'director', address: FANOUT_DIRECTOR.address },
      ...Object.fromEntries(hosts.map((h) => [h.name, { role: 'realserver', address: h.address }])),
    },
    services: [{ name: 'web', vip: FANOUT_VIP, port: 80, forwarding: 'dr', realservers: hosts.map((h) => ({ host: h.name })) }],
  }, null, 2)}\n`;
}

/** Ansible's side of the same fan-out: N local hosts, one no-op task. */
export function ansibleInventory(n: number): string {
  return `[realservers]\n${fanoutHosts(n).map((h) => `${h.name} ansible_connection=local ansible_python_interpreter=/usr/bin/python3`).join('\n')}\n`;
}

export const ANSIBLE_PLAYBOOK = `- hosts: realservers
  gather_facts: false
  tasks:
    - name: no-op
      ansible.builtin.ping:
`;
