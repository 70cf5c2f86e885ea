// `npm run demo`, inside the lab guest: the seed's PPC story on the real kernel, told live.
// Real lvsctl-agents with mutual TLS in each host's namespace, the real `lvsctl rollout
// examples/ppc.json` from the client namespace with its own output, then real traffic.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import type { PlanInput } from '../../controller/plan/schema';
import { AGENT_PORT, CONTROLLER_NAME, controllerCert, LVSCTL_MAIN } from '../../test/lab/support/agents';
import { LAB_AGENT_TIMEOUT, startLabCluster, type LabCluster } from '../../test/lab/support/cluster';
import { httpRequests } from '../../test/lab/support/http';
import { ipvsConnections, isTemplate } from '../../test/lab/support/ipvsadm';
import { CLIENT_ADDRESS, CLIENT_NAME } from '../../test/lab/support/topology';

const PLAN_FILE = 'examples/ppc.json';
const started = Date.now();

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function clock(): string {
  return `[${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s]`;
}

/** The real lvsctl, its output straight to this terminal as it comes. */
function liveLvsctl(args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', CLIENT_NAME, process.execPath, LVSCTL_MAIN, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

async function main(): Promise<void> {
  const plan = JSON.parse(await readFile(PLAN_FILE, 'utf8')) as PlanInput;
  const hosts = Object.entries(plan.hosts).map(([name, host]) => `${name} ${host.address ?? '?'} (${host.role})`);
  const service = plan.services[0];
  say(`== ${clock()} lab cluster from ${PLAN_FILE}: network namespaces on bridge br0, all inside the guest`);
  say(`   ${hosts.join(', ')}, client ${CLIENT_ADDRESS}`);
  say(`   realservers: VIP on lo, arp_ignore=1, arp_announce=2; an HTTP server on :80 answering its name`);
  say(`   starting lvsctl-agent on every host (mutual TLS, --allow ${CONTROLLER_NAME}); node is slow to start in the guest...`);
  let cluster: LabCluster | undefined;
  try {
    cluster = await startLabCluster(plan, { prepareRealservers: true, httpPorts: [80] });
    for (const [name, host] of Object.entries(plan.hosts)) say(`   lvsctl-agent --role ${host.role} --listen ${host.address ?? '?'}:${AGENT_PORT} ... on ${name}: serving`);

    const tls = controllerCert(cluster.certDir);
    const args = ['rollout', PLAN_FILE, '--ca', tls.ca, '--cert', tls.cert, '--key', tls.key, '--timeout', LAB_AGENT_TIMEOUT];
    say(`\n== ${clock()} from the client namespace:`);
    say(`$ lvsctl ${args.map((arg) => (arg.startsWith('/') ? relative(process.cwd(), arg) : arg)).join(' ')}`);
    const code = await liveLvsctl(args);
    say(`(exit ${code})`);
    if (code !== 0) throw new Error(`lvsctl rollout exited ${code}; the agents' logs are next to ${cluster.planPath}`);

    const vip = service?.vip ?? '10.0.0.100';
    const port = service?.port ?? 80;
    say(`\n== ${clock()} 10 requests from the client to http://${vip}:${port}/, each on a fresh TCP connection:`);
    const answers = await httpRequests(CLIENT_NAME, `http://${vip}:${port}/`, 10);
    answers.forEach((answer, i) => say(`   request ${String(i + 1).padStart(2)} -> ${answer.server ?? `failed: ${answer.error ?? 'no answer'}`}`));
    const who = new Set(answers.map((answer) => answer.server ?? 'failed'));
    say(`   -> ${who.size === 1 ? `all on ${[...who][0]}: persistence holds` : `spread over ${[...who].join(', ')}`}`);

    const director = Object.entries(plan.hosts).find(([, host]) => host.role === 'director')?.[0] ?? 'lvs1';
    const { text, connections } = await ipvsConnections(director);
    say(`\n$ ipvsadm -Lcn     (on ${director}; the entry with client port 0 is the persistence template)`);
    process.stdout.write(text);
    const template = connections.find((c) => isTemplate(c) && c.virtual.address === vip);
    say(template ? `   template: client ${template.source.address} -> ${template.destination.address} for ${template.expire}` : '   (no template found)');
    say(`\n== ${clock()} done`);
  } finally {
    await cluster?.teardown();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
