// The fan-out's realservers as separate hosts, the way a site has them: each one its own
// network namespace (held open by a bounded `sleep` started with `unshare --net`), with its own lo
// holding the VIP, its own eth0 holding its address, and its own ARP sysctls; every eth0 is
// one end of a veth pair whose other end is a port of a bridge in the fan-out's namespace,
// where the controller runs with 10.9.1.254/24 on the bridge. Nothing is wired out of the
// fan-out's private namespace, and nothing is written to this machine's files (no `ip netns
// add`, which would create /run/netns entries): the namespaces are entered by
// /proc/PID/ns/net and vanish with their holders.
import { spawn, type ChildProcess } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { FANOUT_VIP } from './fanout-plan';
import { runOk, sleep } from './proc';

export const FANOUT_BRIDGE = 'fanout0';
/** the controller's side of the bridge, in the same /24 as the realservers (10.9.1.1..250) */
export const FANOUT_CONTROLLER_ADDRESS = '10.9.1.254';
export const FANOUT_PREFIX_LENGTH = 24;
/** what an LVS-DR realserver needs set, so its checks pass (a new namespace starts without them) */
export const REALSERVER_SYSCTLS = ['net.ipv4.conf.all.arp_ignore=1', 'net.ipv4.conf.all.arp_announce=2'] as const;

const HOLDER_START_TIMEOUT_MS = 10_000;
/** a holder outlives no bench: bench/run.sh bounds the fan-out to 480 s */
const HOLDER_LIFETIME_S = '1800';

export interface FanoutHost {
  name: string;
  address: string;
}

/** The host-side end of a realserver's veth pair (at most 15 characters: rs001 → v-rs001). */
export function bridgePortName(host: FanoutHost): string {
  const name = `v-${host.name}`;
  if (name.length > 15) throw new Error(`host name ${host.name} is too long for a device name`);
  return name;
}

/** `ip -batch` lines for the fan-out's own namespace: the bridge, and a veth pair per host whose eth0 end goes into its namespace. */
export function bridgeLines(hosts: readonly FanoutHost[], holderPids: ReadonlyMap<string, number>): string[] {
  return [
    'link set lo up',
    `link add ${FANOUT_BRIDGE} type bridge`,
    `addr add ${FANOUT_CONTROLLER_ADDRESS}/${FANOUT_PREFIX_LENGTH} dev ${FANOUT_BRIDGE}`,
    `link set ${FANOUT_BRIDGE} up`,
    ...hosts.flatMap((h) => {
      const pid = holderPids.get(h.name);
      if (pid === undefined) throw new Error(`no namespace holder for ${h.name}`);
      return [`link add ${bridgePortName(h)} type veth peer name eth0 netns ${pid}`, `link set ${bridgePortName(h)} master ${FANOUT_BRIDGE} up`];
    }),
  ];
}

/** `ip -batch` lines inside one realserver's namespace: lo up with the VIP, eth0 up with its address. */
export function hostLines(host: FanoutHost): string[] {
  return ['link set lo up', `addr add ${FANOUT_VIP}/32 dev lo`, `addr add ${host.address}/${FANOUT_PREFIX_LENGTH} dev eth0`, 'link set eth0 up'];
}

export interface HostNamespaces {
  /** /proc/PID/ns/net of each host's namespace, for nsenter */
  netnsPath(name: string): string;
  /** every holder's pid (to stop them from a signal handler) */
  pids(): number[];
  /** ends the holders; each namespace goes with the last process in it */
  stop(): void;
}

/** A bounded `sleep` in a new network namespace; resolves once it runs there (never in the namespace it was started from). */
async function startHolder(outerNetns: string): Promise<ChildProcess> {
  const child = spawn('unshare', ['--net', '--', 'sleep', HOLDER_LIFETIME_S], { stdio: 'ignore' });
  const deadline = Date.now() + HOLDER_START_TIMEOUT_MS;
  for (;;) {
    if (child.pid !== undefined && child.exitCode === null) {
      let ns: string | undefined;
      try {
        ns = readlinkSync(`/proc/${child.pid}/ns/net`);
      } catch {
        // not there yet
      }
      if (ns !== undefined && ns !== outerNetns) return child;
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`unshare --net -- sleep ${HOLDER_LIFETIME_S} ${child.exitCode !== null ? `exited ${child.exitCode}` : `did not enter a new namespace within ${HOLDER_START_TIMEOUT_MS} ms`}`);
    }
    await sleep(5);
  }
}

/** Makes every host's namespace and wires it to the bridge; the caller stops them. */
export async function startHostNamespaces(hosts: readonly FanoutHost[]): Promise<HostNamespaces> {
  const own = readlinkSync('/proc/self/ns/net');
  const holders = new Map<string, ChildProcess>();
  const stop = (): void => {
    for (const h of holders.values()) h.kill('SIGKILL');
  };
  try {
    for (const h of hosts) holders.set(h.name, await startHolder(own));
    const pids = new Map([...holders].map(([name, child]) => [name, child.pid as number]));
    await runOk('ip', ['-batch', '-'], { timeoutMs: 60_000, input: `${bridgeLines(hosts, pids).join('\n')}\n` });
    for (const h of hosts) {
      const enter = ['--net=' + `/proc/${pids.get(h.name)}/ns/net`, '--'];
      await runOk('nsenter', [...enter, 'ip', '-batch', '-'], { timeoutMs: 60_000, input: `${hostLines(h).join('\n')}\n` });
      await runOk('nsenter', [...enter, 'sysctl', '-q', '-w', ...REALSERVER_SYSCTLS], { timeoutMs: 60_000 });
    }
  } catch (e) {
    stop();
    throw e;
  }
  return {
    netnsPath: (name) => {
      const pid = holders.get(name)?.pid;
      if (pid === undefined) throw new Error(`no namespace for ${name}`);
      return `/proc/${pid}/ns/net`;
    },
    pids: () => [...holders.values()].flatMap((c) => (c.pid === undefined ? [] : [c.pid])),
    stop,
  };
}
