// A plan whose two hosts (director lvs1, realserver web1) are agents on 127.0.0.1 at the
// given ports, written to a file for the CLI. Nothing is ever dialed but 127.0.0.1.
import { writeFileSync } from 'fs';
import { join } from 'path';

export function writeLoopbackPlan(dir: string, name: string, ports: { lvs1: number; web1: number }): string {
  const plan = {
    apiVersion: 'lvsctl/v1',
    cluster: 'bounds',
    agent: { port: ports.lvs1 },
    hosts: {
      lvs1: { role: 'director', address: '127.0.0.1', agentPort: ports.lvs1 },
      web1: { role: 'realserver', address: '127.0.0.1', agentPort: ports.web1 },
    },
    services: [
      { name: 'web', protocol: 'tcp', vip: '10.0.0.100', port: 80, forwarding: 'dr', realservers: [{ host: 'web1' }] },
    ],
  };
  const path = join(dir, `${name}.json`);
  writeFileSync(path, `${JSON.stringify(plan, null, 2)}\n`);
  return path;
}
