// `npm run demo`, inside the lab guest: the seed's PPC story on the real kernel, told live.
// Until the agents exist the director is set by hand with ipvsadm; the rollout replaces that.
import { httpRequests, startHttpServer, type RunningServer } from '../../test/lab/support/http';
import { ipvsadmRestore, ipvsConnections } from '../../test/lab/support/ipvsadm';
import { inNetns } from '../../test/lab/support/netns';
import { buildTopology, type TopologyPlan } from '../../test/lab/support/topology';

const VIP = '10.0.0.100';
// Without persistence on a second VIP: the first VIP's template keeps binding this client
// until it expires (6 min), even after its service is gone.
const PLAIN_VIP = '10.0.0.101';
const plan: TopologyPlan = {
  hosts: {
    d: { role: 'director', address: '10.0.0.1' },
    r1: { role: 'realserver', address: '10.0.0.11' },
    r2: { role: 'realserver', address: '10.0.0.12' },
  },
  services: [
    { vip: VIP, forwarding: 'dr', realservers: [{ host: 'r1' }, { host: 'r2' }] },
    { vip: PLAIN_VIP, forwarding: 'dr', realservers: [{ host: 'r1' }, { host: 'r2' }] },
  ],
};

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

// One client process for all the requests: starting node in the guest costs a second or more.
async function askTimes(vip: string, count: number): Promise<string[]> {
  const answers = await httpRequests('client', `http://${vip}/`, count);
  return answers.map((answer, i) => {
    const who = answer.server ?? `failed: ${answer.error ?? 'no answer'}`;
    say(`   request ${String(i + 1).padStart(2)} from client 10.0.0.200 to ${vip} -> ${who}`);
    return who;
  });
}

async function showDirector(args: string[]): Promise<void> {
  say(`\n$ ipvsadm ${args.join(' ')}     (on director d)`);
  process.stdout.write((await inNetns('d', 'ipvsadm', args)).stdout);
}

async function main(): Promise<void> {
  say('== lab cluster (network namespaces on bridge br0, all inside the guest):');
  say('   director d 10.0.0.1 (VIP 10.0.0.100 on eth0), realservers r1 10.0.0.11 and r2 10.0.0.12, client 10.0.0.200');
  const topology = await buildTopology(plan, { prepareRealservers: true });
  const servers: RunningServer[] = [];
  try {
    say('== realservers: VIP on lo, arp_ignore=1, arp_announce=2; HTTP servers answering their name');
    servers.push(await startHttpServer('r1', 80, 'r1'), await startHttpServer('r2', 80, 'r2'));

    const service = (vip: string, persistence: string): string[] => [
      `-A -t ${vip}:80 -s rr${persistence}`, `-a -t ${vip}:80 -r 10.0.0.11:80 -g -w 1`, `-a -t ${vip}:80 -r 10.0.0.12:80 -g -w 1`,
    ];
    const table = [...service(VIP, ' -p 360'), ...service(PLAIN_VIP, '')];
    say(`\n== director: PPC on ${VIP}:80 with persistence, the same without it on ${PLAIN_VIP}:80 (ipvsadm -R):`);
    for (const line of table) say(`   ${line}`);
    await ipvsadmRestore('d', table);
    await showDirector(['-Ln']);

    say('\n== 10 requests, each on a fresh TCP connection:');
    const sticky = new Set(await askTimes(VIP, 10));
    say(`   -> ${sticky.size === 1 ? `all on ${[...sticky][0]}: persistence holds` : `spread over ${[...sticky].join(', ')}`}`);

    const { text } = await ipvsConnections('d');
    say('\n$ ipvsadm -Lcn     (the entry with client port 0 is the persistence template)');
    process.stdout.write(text);

    say(`\n== without persistence, ${PLAIN_VIP}: round robin`);
    const spread = new Set(await askTimes(PLAIN_VIP, 6));
    say(`   -> ${spread.size > 1 ? `spread over ${[...spread].join(' and ')}` : `all on ${[...spread][0]}`}`);
  } finally {
    for (const server of servers) await server.stop();
    await topology.teardown();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
