// A whole lab cluster driven the way an operator drives a real one: the topology from the
// plan, realserver services (HTTP, vsftpd), certificates from the real `lvsctl certs`, a
// real `lvsctl-agent` with mutual TLS in every host's namespace, and the real `lvsctl`
// run from the client namespace (10.0.0.200), reaching the agents on ADDRESS:7400.
//
// API for the lab tests (kept stable; other test files build on it):
//   startLabCluster(plan, { prepareRealservers?, httpPorts?, vsftpd?, agentArgs? }) -> LabCluster
//   cluster.rollout(args?), cluster.lvsctl(args), cluster.writePlan(plan),
//   cluster.restartAgent(host), cluster.stopAgent(host), cluster.agentLog(host), cluster.teardown()
// Additions beyond the first sketch: cluster.plan (the plan last written),
// LabVsftpd.ranges (a realserver with another passive range), labVsftpdConfigPath(host)
// (the path to put in the plan's hosts.H.ftp.config), LAB_FTP_FILE; agentEnv, killAgent(host),
// agentPid(host), spawnRollout(args) (the real binary, handed over to be killed) and startRollout(options)
// (several at once, a chosen generation) for apply-faults.test.ts.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PlanInput } from '../../../controller/plan/schema';
import { controllerCert, issueLabCertificates, LAB_TMP, LVSCTL_RUN_TIMEOUT_MS, runLvsctl, startAgent, agentStateDir, type AgentProcess, type AgentSpec, type CommandResult } from './agents';
import { startVsftpd, type RunningVsftpd } from './ftp';
import { startHttpServer, type RunningServer } from './http';
import { BRIDGE, buildTopology, CLIENT_NAME, IPV6_PREFIX, rootAddressOn64, type Topology } from './topology';
import { ipBatch } from './netns';
import { joinLabBridge, runLvsctlInProcess } from './in-process-cli';
import { spawnLvsctl, type SpawnedCli } from './spawned-cli';
import { startRollout, type RolloutCall, type StartedRollout } from './concurrent-rollout';

export type { CommandResult } from './agents';

/**
 * Mocha budget for a hook that starts a cluster (and rolls it out): three agents and the
 * HTTP servers are node processes, each 5 to 20 s to start in the guest.
 */
export const LAB_CLUSTER_HOOK_TIMEOUT_MS = 360_000;
/** The controller's --timeout for each agent answer. */
export const LAB_AGENT_TIMEOUT = '60s';
/** The file every realserver's vsftpd serves; its content is the host's name. */
export const LAB_FTP_FILE = 'who.txt';

export interface LabVsftpd {
  pasvMin: number;
  pasvMax: number;
  /** realservers whose vsftpd gets another passive range (e.g. one outside the plan's marks) */
  ranges?: Readonly<Record<string, { pasvMin: number; pasvMax: number }>>;
}

export interface LabClusterOptions {
  /** VIPs on the realservers' lo and arp_ignore/arp_announce set by the lab (default: off, the plan's `prepare: true` or the test does it) */
  prepareRealservers?: boolean;
  /** HTTP servers on every realserver, each answering its host's name */
  httpPorts?: readonly number[];
  /** vsftpd on every realserver, its config at labVsftpdConfigPath(host) */
  vsftpd?: LabVsftpd;
  /** extra agent arguments per host, e.g. { r1: ['--self-check-interval', '1s'] } */
  agentArgs?: Readonly<Record<string, readonly string[]>>;
  /** extra environment per host's agent, e.g. { d: { PATH: '/faulty/bin:...' } } */
  agentEnv?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /**
   * run `lvsctl` as its own node process from the client namespace (the real binary, 15-20 s
   * a run in the guest) instead of in the test's process (in-process-cli.ts); default false,
   * or LAB_SPAWN_CLI=1 for every cluster
   */
  spawnCli?: boolean;
  /**
   * packaged executables (the .deb's /usr/bin/lvsctl-agent and /usr/bin/lvsctl, packaged.ts)
   * to run instead of dist/: the agents, and lvsctl from the client namespace (spawnCli)
   */
  programs?: { agent: string; lvsctl: string };
}

export interface LabCluster {
  /** the plan file written for this cluster (under /tmp in the guest) */
  planPath: string;
  /** made with the real `lvsctl certs init/issue` */
  certDir: string;
  topology: Topology;
  /** the plan last written to planPath */
  plan: PlanInput;
  /** the real `lvsctl rollout <plan> ...args` from the client netns with the controller's certificate; never throws for a non-zero exit */
  rollout(args?: readonly string[]): Promise<CommandResult>;
  /** any lvsctl command (health, status, connections, validate, render) the same way; the plan path is yours to pass */
  lvsctl(args: readonly string[]): Promise<CommandResult>;
  /** rewrite the plan file (e.g. change weights) for the next rollout */
  writePlan(plan: PlanInput): Promise<void>;
  restartAgent(host: string): Promise<void>;
  stopAgent(host: string): Promise<void>;
  /** SIGKILL the agent and the tools it is running (its process group); restartAgent starts it again */
  killAgent(host: string): Promise<void>;
  /** the running agent's pid (its /proc/PID/net is its host's namespace); undefined when it is stopped */
  agentPid(host: string): number | undefined;
  /** the real `lvsctl rollout <plan> ...args` binary from the client netns, handed over while it runs (to be killed) */
  spawnRollout(args?: readonly string[]): SpawnedCli;
  /** a rollout in this process that may run beside others, with a chosen generation (concurrent-rollout.ts) */
  startRollout(options?: Pick<RolloutCall, 'generation' | 'args'>): StartedRollout;
  agentLog(host: string): Promise<string>;
  /** stops agents, servers, namespaces */
  teardown(): Promise<void>;
}

/** Where the lab's vsftpd on `host` reads its config: put it in the plan's hosts.HOST.ftp.config. */
export function labVsftpdConfigPath(host: string): string {
  return `/tmp/lab-vsftpd-${host}.conf`;
}

const AGENT_COMMANDS = new Set(['rollout', 'health', 'status', 'connections']);
let clusterCount = 0;

export async function startLabCluster(plan: PlanInput, options: LabClusterOptions = {}): Promise<LabCluster> {
  clusterCount += 1;
  const clusterDir = join(LAB_TMP, `${plan.cluster}-${clusterCount}`);
  const planPath = join(clusterDir, 'plan.json');
  const logPathOf = (host: string): string => join(clusterDir, `agent-${host}.log`);
  const topology = await buildTopology(plan, { ...(options.prepareRealservers === true ? { prepareRealservers: true } : {}) });
  const agents = new Map<string, AgentProcess>();
  const servers: RunningServer[] = [];
  const ftpServers: RunningVsftpd[] = [];
  const stopEverything = async (): Promise<void> => {
    await Promise.all([...agents.values()].map((agent) => agent.stop()));
    agents.clear();
    for (const server of servers.splice(0)) await server.stop();
    for (const server of ftpServers.splice(0)) await server.stop();
    await topology.teardown();
  };
  try {
    const certDir = await issueLabCertificates(topology.hosts.map((host) => ({ name: host.name, address: host.address })));
    const realservers = topology.hosts.filter((host) => host.role === 'realserver').map((host) => host.name);
    for (const host of realservers) {
      for (const port of options.httpPorts ?? []) servers.push(await startHttpServer(host, port, host));
      if (options.vsftpd) ftpServers.push(await startLabVsftpd(host, options.vsftpd));
    }
    let current = plan;
    const writePlan = async (next: PlanInput): Promise<void> => {
      await mkdir(clusterDir, { recursive: true });
      await writeFile(planPath, JSON.stringify(next, null, 2) + '\n');
      current = next;
    };
    await writePlan(plan);
    const specs = new Map<string, AgentSpec>(topology.hosts.map((host) => [host.name, {
      host: host.name,
      role: host.role === 'director' ? 'director' : 'realserver',
      address: host.address,
      certDir,
      extraArgs: options.agentArgs?.[host.name] ?? [],
      ...(options.agentEnv?.[host.name] ? { env: options.agentEnv[host.name] } : {}),
      logPath: logPathOf(host.name),
      ...(options.programs ? { program: options.programs.agent } : {}),
    }]));
    const specOf = (host: string): AgentSpec => {
      const spec = specs.get(host);
      if (spec === undefined) throw new Error(`no host "${host}" in this lab cluster; its hosts are ${[...specs.keys()].join(', ')}`);
      return spec;
    };
    // A fresh cluster starts from nothing the agent owns: no generation or ownership left by an earlier scenario.
    await Promise.all([...specs.keys()].map((host) => rm(agentStateDir(host), { recursive: true, force: true })));
    await Promise.all([...specs.values()].map(async (spec) => agents.set(spec.host, await startAgent(spec))));
    const tls = controllerCert(certDir);
    const spawnCli = options.spawnCli === true || options.programs !== undefined || process.env.LAB_SPAWN_CLI === '1';
    const program = options.programs ? { program: options.programs.lvsctl } : {};
    const firstHost = topology.hosts[0];
    // The root namespace joins every IPv4 /24 the agents listen on (a NAT director's realservers may sit on another one).
    const networks = new Map(topology.hosts.filter((h) => !h.address.includes(':')).map((h) => [h.address.replace(/\.\d+$/, ''), h.address]));
    if (!spawnCli && firstHost !== undefined) for (const address of networks.values()) await joinLabBridge(BRIDGE, address);
    // IPv6 hosts' agents listen on fd00::N (or on another /64 of fd00::/16): the root namespace
    // (the in-process CLI) needs an address on each of those networks too.
    if (!spawnCli && topology.ipv6.size > 0) {
      const joined = new Set([`${IPV6_PREFIX}254`, ...topology.hosts.filter((h) => h.address.includes(':')).map((h) => rootAddressOn64(h.address))]);
      await ipBatch(null, [...joined].map((address) => `addr replace ${address}/64 dev ${BRIDGE} nodad`));
    }
    const runCli = (args: readonly string[], env?: Record<string, string>): Promise<CommandResult> =>
      spawnCli
        ? runLvsctl(CLIENT_NAME, args, { timeoutMs: LVSCTL_RUN_TIMEOUT_MS, ...program, ...(env ? { env } : {}) })
        : runLvsctlInProcess(args, { timeoutMs: LVSCTL_RUN_TIMEOUT_MS, ...(env ? { env } : {}) });
    const stopAgent = async (host: string): Promise<void> => {
      specOf(host);
      await agents.get(host)?.stop();
      agents.delete(host);
    };
    return {
      planPath,
      certDir,
      topology,
      get plan() {
        return current;
      },
      rollout: (args = []) =>
        runCli(['rollout', planPath, '--ca', tls.ca, '--cert', tls.cert, '--key', tls.key, '--timeout', LAB_AGENT_TIMEOUT, ...args]),
      lvsctl: (args) => {
        const [command, ...rest] = args;
        // given first, so the caller's own --timeout (commander keeps the last) wins
        const defaults = command !== undefined && AGENT_COMMANDS.has(command) ? ['--timeout', LAB_AGENT_TIMEOUT] : [];
        const all = command === undefined ? [] : [command, ...defaults, ...rest];
        return runCli(all, { LVSCTL_CA: tls.ca, LVSCTL_CERT: tls.cert, LVSCTL_KEY: tls.key });
      },
      writePlan,
      restartAgent: async (host) => {
        await stopAgent(host);
        agents.set(host, await startAgent(specOf(host)));
      },
      stopAgent,
      agentPid: (host) => {
        specOf(host);
        return agents.get(host)?.pid;
      },
      killAgent: async (host) => {
        specOf(host);
        await agents.get(host)?.kill();
        agents.delete(host);
      },
      spawnRollout: (args = []) =>
        spawnLvsctl(CLIENT_NAME, ['rollout', planPath, '--ca', tls.ca, '--cert', tls.cert, '--key', tls.key, '--timeout', LAB_AGENT_TIMEOUT, ...args], {}, options.programs?.lvsctl),
      startRollout: (call = {}) => {
        // it runs in this process: the root namespace must reach the agents
        if (spawnCli) throw new Error('startRollout runs lvsctl in the test process: start the cluster without spawnCli');
        return startRollout({ planPath, tls, timeout: LAB_AGENT_TIMEOUT, ...call });
      },
      agentLog: async (host) => {
        specOf(host);
        return readFile(logPathOf(host), 'utf8').catch(() => '');
      },
      teardown: stopEverything,
    };
  } catch (error) {
    // A half-started cluster would make the next scenario of this boot fail on "File exists".
    await stopEverything().catch(() => undefined);
    throw error;
  }
}

async function startLabVsftpd(host: string, vsftpd: LabVsftpd): Promise<RunningVsftpd> {
  const range = vsftpd.ranges?.[host] ?? { pasvMin: vsftpd.pasvMin, pasvMax: vsftpd.pasvMax };
  const server = await startVsftpd(host, { ...range, root: `/tmp/lab-ftp-${host}`, files: { [LAB_FTP_FILE]: `${host}\n` } });
  if (server.configPath !== labVsftpdConfigPath(host)) {
    await server.stop();
    throw new Error(`vsftpd on ${host} reads ${server.configPath}, but labVsftpdConfigPath says ${labVsftpdConfigPath(host)}: make them agree in test/lab/support/cluster.ts`);
  }
  return server;
}
