// The fan-out figure, on this machine (no IPVS needed: realservers only), inside a private
// network namespace that bench/run.sh made with `unshare --net`:
//   unshare --net -- node dist/bench/fanout.js --outer-netns NS --dir .lab/bench --counts 1,10,50,100 --repeats 3 --ansible-repeats 1
//        [--layout hosts|shared-lo]
// It refuses to run in the namespace it was started from (NS). Inside, with --layout hosts
// (the default, bench/fanout-hosts.ts): every realserver its own host, a network namespace
// with its address (10.9.1.N/24) on its eth0, the VIP on its lo, arp_ignore=1 and
// arp_announce=2, so an LVS-DR realserver's checks pass, wired by a veth pair to a bridge
// where the controller runs; with --layout shared-lo (the earlier set-up, kept to compare):
// every address and the VIP on the one lo of the fan-out's namespace, which each agent then
// reads in full at every check. One `lvsctl-agent --role realserver` per address with mutual
// TLS, state and logs in a temporary directory. For each N: a no-op `lvsctl rollout --limit` of
// the first N realservers (the real binary, a process per run, --parallel 10, its default)
// against `ansible-playbook` of one no-op task (ansible.builtin.ping, connection local,
// gathering off, forks 10) over N local hosts, alternated, timed `repeats` and `ansible-repeats` times after
// an untimed warm-up (Ansible's only at the first N: a run over 100 hosts takes a minute; none
// with --ansible-repeats 0). Each timed lvsctl run also records where the CPU went
// (bench/cpu-accounting.ts): the controller's, the agents' and how idle the machine stayed;
// after those runs, the agents' own background CPU is measured over a quiet window. The agents
// share this machine's cores, so at the larger N their CPU bounds the wall time as much as the
// controller's does. Each agent runs with --self-check-interval 60m: at a site its periodic
// round runs on its own host; here a hundred agents' rounds (every 10 s by default) would land
// on the controller's cores at random, as the lab bench's realservers' would (bench/guest.ts).
// All traffic stays inside the namespace.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ANSIBLE_PLAYBOOK, ansibleInventory, FANOUT_VIP, fanoutHosts, fanoutPlan } from './fanout-plan';
import { cpuBetween, cpuSnapshot, type CpuShare } from './cpu-accounting';
import { startHostNamespaces, type HostNamespaces } from './fanout-hosts';
import { applyWindows, LVSCTL_MAIN, memoryOf, run, runOk, sleep, startAgent, type RunningAgent } from './proc';
import { profileHookEnv, startHookProfile, stopHookProfile } from './agent-profile';
import { bySampleCount, mergeCaptures } from './profile-merge';
import type { ProfileCapture } from './profiler';
import type { FanoutResults, FanoutRun } from './results';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

const PARALLEL = 10;
const FORKS = 10;
const RUN_TIMEOUT_MS = 300_000;
const AGENT_START_TIMEOUT_MS = 120_000;
const QUIET_WINDOW_MS = 5_000;
/** longer than the fan-out's whole run: no periodic self-check round lands in its figures (the header says why) */
const SELF_CHECK_INTERVAL = '60m';
/**
 * Agents profiled together (the first ones, a rollout's first wave) through rollouts of their
 * own after the controller's profiled one: an agent's part of a rollout is some 20 ms of CPU,
 * too few samples alone. Each profiler wakes its agent every sample: ten agents sampled every
 * 250 µs made the rollout 3.7 times as long, so 1 ms, and not in the controller's profiled run.
 */
const PROFILED_AGENTS = 10;
const AGENT_PROFILE_INTERVAL_US = 1000;
const AGENT_PROFILED_ROLLOUTS = 3;
const AGENT_PROFILE_WAIT_MS = 30_000;

function log(line: string): void {
  process.stdout.write(`bench fan-out: ${line}\n`);
}

/**
 * Only inside a namespace of our own: never the one bench/run.sh started in (--outer-netns,
 * its /proc/self/ns/net), and one with nothing but lo, so no packet can leave it.
 */
function requirePrivateNamespace(outer: string): void {
  const own = readlinkSync('/proc/self/ns/net');
  if (outer === '' || own === outer) throw new Error('fanout.js runs only inside a private network namespace: `unshare --net -- node dist/bench/fanout.js --outer-netns "$(readlink /proc/self/ns/net)"` (bench/run.sh does)');
  const links = readFileSync('/proc/net/dev', 'utf8').split('\n').slice(2).map((l) => l.split(':')[0]?.trim()).filter((n) => n);
  const others = links.filter((n) => n !== 'lo');
  if (others.length > 0) throw new Error(`this namespace has interfaces besides lo (${others.join(', ')}): the fan-out wants one with nothing wired out`);
}

/** The second SIGUSR2 to each agent profiling: the profiles they wrote, with whose they are. */
async function agentProfilesAfter(agents: readonly RunningAgent[], profileOf: (name: string) => string): Promise<Array<ProfileCapture & { name: string }>> {
  const written = await Promise.all(agents.map((a) => stopHookProfile(a.pid, profileOf(a.spec.name), AGENT_PROFILE_WAIT_MS)));
  return agents.flatMap((a, i) => (written[i]
    ? [{ ...(JSON.parse(readFileSync(profileOf(a.spec.name), 'utf8')) as ProfileCapture), name: a.spec.name }]
    : []));
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}

async function main(): Promise<void> {
  requirePrivateNamespace(option('outer-netns', ''));
  const dir = resolve(option('dir', '.lab/bench'));
  mkdirSync(dir, { recursive: true });
  const counts = option('counts', '1,10,50,100').split(',').map(Number);
  const repeats = Number(option('repeats', '3'));
  const ansibleRepeats = Number(option('ansible-repeats', '1'));
  const max = Math.max(...counts);
  const layout = option('layout', 'hosts');
  if (layout !== 'hosts' && layout !== 'shared-lo') throw new Error(`--layout takes hosts or shared-lo, not ${layout}`);
  const certDir = join(dir, 'pki');
  const work = mkdtempSync(join(tmpdir(), 'lvsctl-bench-fanout-'));
  const agentProfileOf = (name: string): string => join(work, 'prof', `agent-${name}.json`);
  const results: FanoutResults = { startedAt: new Date().toISOString(), parallel: PARALLEL, forks: FORKS, repeats, ansibleRepeats, cores: availableParallelism(), ansibleVersion: '', layout, selfCheckInterval: SELF_CHECK_INTERVAL, runs: [], errors: [], notes: [] };
  const save = (): void => {
    results.finishedAt = new Date().toISOString();
    writeFileSync(join(dir, 'fanout.json'), `${JSON.stringify(results, null, 2)}\n`);
  };
  const agents: RunningAgent[] = [];
  let namespaces: HostNamespaces | undefined;
  // stopped from outside (run.sh's timeout, ^C): no agent may outlive this process
  const stopNow = (signal: string): void => {
    for (const a of agents) {
      try {
        process.kill(a.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    namespaces?.stop();
    results.errors.push(`stopped by ${signal} (bench/run.sh bounds the fan-out) before it finished`);
    save();
    process.exit(1);
  };
  process.once('SIGTERM', () => stopNow('SIGTERM'));
  process.once('SIGINT', () => stopNow('SIGINT'));
  try {
    results.ansibleVersion = (await run('ansible-playbook', ['--version'], { timeoutMs: 60_000 })).stdout.split('\n')[0]?.trim() ?? '';
    const hosts = fanoutHosts(max);
    if (layout === 'hosts') {
      namespaces = await startHostNamespaces(hosts);
    } else {
      await runOk('ip', ['-batch', '-'], {
        timeoutMs: 60_000,
        input: ['link set lo up', ...hosts.map((h) => `addr add ${h.address}/32 dev lo`), `addr add ${FANOUT_VIP}/32 dev lo`].join('\n') + '\n',
      });
      for (const [key, value] of [['all/arp_ignore', '1'], ['all/arp_announce', '2']] as const) writeFileSync(`/proc/sys/net/ipv4/conf/${key}`, value);
    }
    log(`starting ${max} realserver agents`);
    const ca = join(certDir, 'ca.crt');
    for (let i = 0; i < hosts.length; i += 10) {
      const batch = hosts.slice(i, i + 10);
      agents.push(...await Promise.all(batch.map((h, j) => {
        const base = join(certDir, `${h.name}-at-${h.address.replace(/\./g, '-')}`);
        return startAgent({
          name: h.name, role: 'realserver', netns: namespaces?.netnsPath(h.name) ?? null, listen: `${h.address}:7400`, ca, cert: `${base}.crt`, key: `${base}.key`,
          stateDir: join(work, 'state', h.name), logPath: join(work, 'logs', `${h.name}.log`),
          extraArgs: ['--self-check-interval', SELF_CHECK_INTERVAL],
          // the profiling hook (bench/agent-hook.ts) does nothing until the profiled run signals it
          ...(i + j < PROFILED_AGENTS ? { env: profileHookEnv(agentProfileOf(h.name), AGENT_PROFILE_INTERVAL_US, false) } : {}),
        }, AGENT_START_TIMEOUT_MS);
      })));
    }
    const agentPids = agents.map((a) => a.pid);
    const controller = ['--ca', ca, '--cert', join(certDir, 'controller.crt'), '--key', join(certDir, 'controller.key')];
    const ansibleEnv = {
      ...process.env,
      ANSIBLE_HOME: join(work, 'ansible-home'), ANSIBLE_LOCAL_TEMP: join(work, 'ansible-tmp'), ANSIBLE_REMOTE_TEMP: join(work, 'ansible-remote-tmp'),
      ANSIBLE_NOCOLOR: '1', ANSIBLE_RETRY_FILES_ENABLED: 'False', ANSIBLE_HOST_KEY_CHECKING: 'False', ANSIBLE_CONFIG: join(work, 'ansible.cfg'),
    };
    writeFileSync(join(work, 'ansible.cfg'), '[defaults]\n');
    writeFileSync(join(work, 'play.yml'), ANSIBLE_PLAYBOOK);
    // what a process start of the CLI costs alone (loading node and lvsctl's modules)
    const starts: number[] = [];
    for (let i = 0; i < 3; i += 1) starts.push((await runOk(process.execPath, [LVSCTL_MAIN, '--version'], { timeoutMs: 60_000 })).ms);
    results.cliStartMs = median(starts);
    const nodeStarts: number[] = [];
    for (let i = 0; i < 3; i += 1) nodeStarts.push((await runOk(process.execPath, ['-e', '0'], { timeoutMs: 60_000 })).ms);
    results.nodeStartMs = median(nodeStarts);
    for (const n of counts) {
      const planPath = join(work, `plan-${n}.json`);
      const inventory = join(work, `inventory-${n}.ini`);
      writeFileSync(planPath, fanoutPlan(n));
      writeFileSync(inventory, ansibleInventory(n));
      const limit = fanoutHosts(n).map((h) => h.name).join(',');
      const cpu: CpuShare[] = [];
      const lvsctl = async () => {
        const before = cpuSnapshot(agentPids);
        const r = await run(process.execPath, [LVSCTL_MAIN, 'rollout', planPath, '--limit', limit, ...controller, '--timeout', '30s', '--parallel', String(PARALLEL)], { timeoutMs: RUN_TIMEOUT_MS });
        cpu.push(cpuBetween(before, cpuSnapshot(agentPids)));
        return r;
      };
      const ansible = () => run('ansible-playbook', ['-i', inventory, '-f', String(FORKS), join(work, 'play.yml')], { timeoutMs: RUN_TIMEOUT_MS, env: ansibleEnv });
      const entry: FanoutRun = { agents: n, lvsctlMs: [], ansibleMs: [], lvsctlExit: [], ansibleExit: [] };
      results.runs.push(entry);
      // warm-up, untimed: lvsctl at every N, Ansible once (it keeps nothing warm between runs but its own files)
      const warm = await lvsctl();
      if (warm.code !== 0) throw new Error(`lvsctl rollout to ${n} agents exited ${warm.code}: ${warm.stderr.slice(-1500)}\n${warm.stdout.slice(-2500)}`);
      cpu.length = 0; // the warm-up's figures are not counted
      if (n === counts[0] && ansibleRepeats > 0) {
        const warmAnsible = await ansible();
        if (warmAnsible.code !== 0) throw new Error(`ansible-playbook over ${n} hosts exited ${warmAnsible.code}: ${warmAnsible.stdout.slice(-2500)} ${warmAnsible.stderr.slice(-1500)}`);
      }
      for (let i = 0; i < Math.max(repeats, ansibleRepeats); i += 1) {
        if (i < repeats) {
          const a = await lvsctl();
          entry.lvsctlMs.push(a.ms);
          entry.lvsctlExit.push(a.code ?? -1);
        }
        if (i < ansibleRepeats) {
          const b = await ansible();
          entry.ansibleMs.push(b.ms);
          entry.ansibleExit.push(b.code ?? -1);
        }
      }
      entry.cpu = {
        controllerMs: median(cpu.map((c) => c.controllerMs)),
        agentsMs: median(cpu.map((c) => c.agentsMs)),
        machineIdle: median(cpu.map((c) => c.machineIdle)),
      };
      log(`${n} agents: lvsctl ${(median(entry.lvsctlMs) / 1000).toFixed(2)} s, ansible ${(median(entry.ansibleMs) / 1000).toFixed(2)} s (medians of ${repeats} and ${ansibleRepeats}); ` +
        `CPU during lvsctl: controller ${(entry.cpu.controllerMs / 1000).toFixed(2)} s, agents ${(entry.cpu.agentsMs / 1000).toFixed(2)} s, machine idle ${(entry.cpu.machineIdle * 100).toFixed(0)}%`);
      save();
    }
    // what the agents burn with nothing asked of them, now that they hold a plan (their
    // self-checks, timers), over a quiet window
    const quietBefore = cpuSnapshot(agentPids);
    await sleep(QUIET_WINDOW_MS);
    results.agentsIdleCpuMsPerS = (cpuBetween(quietBefore, cpuSnapshot(agentPids)).agentsMs * 1000) / QUIET_WINDOW_MS;
    // where the time goes at the largest N: the same rollout with every agent at once, then
    // one run under node's own --cpu-prof, and each agent's verify from its log
    const n = max;
    const planPath = join(work, `plan-${n}.json`);
    const limit = fanoutHosts(n).map((h) => h.name).join(',');
    const rolloutArgs = ['rollout', planPath, '--limit', limit, ...controller, '--timeout', '30s'];
    const wide: number[] = [];
    for (let i = 0; i < repeats; i += 1) {
      const r = await run(process.execPath, [LVSCTL_MAIN, ...rolloutArgs, '--parallel', String(n)], { timeoutMs: RUN_TIMEOUT_MS });
      if (r.code === 0) wide.push(r.ms);
    }
    results.wide = { agents: n, parallel: n, lvsctlMs: wide };
    const profDir = join(work, 'prof');
    mkdirSync(profDir, { recursive: true });
    const startedAt = Date.now();
    const profiled = await run(process.execPath, ['--cpu-prof', '--cpu-prof-dir', profDir, '--cpu-prof-interval', '1000', LVSCTL_MAIN, ...rolloutArgs, '--parallel', String(PARALLEL)], { timeoutMs: RUN_TIMEOUT_MS });
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (profiled.code === 0 && file !== undefined) {
      writeFileSync(join(dir, 'profile-fanout-controller.json'), JSON.stringify({
        profile: JSON.parse(readFileSync(join(profDir, file), 'utf8')), execs: [], startedAt, stoppedAt: Date.now(), samplingIntervalUs: 1000,
      }));
      results.profiledMs = profiled.ms;
    }
    const verifies = agents.slice(0, n).flatMap((a) => {
      const windows = applyWindows(readFileSync(a.spec.logPath, 'utf8')).filter((w) => w.finishedAt !== undefined && w.startedAt >= startedAt);
      const last = windows[windows.length - 1];
      return last ? [(last.finishedAt ?? 0) - last.startedAt] : [];
    });
    if (verifies.length > 0) results.agentVerifyMs = { agents: verifies.length, median: median(verifies), max: Math.max(...verifies) };
    // the agents' side: the first wave's agents profiled through rollouts of their own
    const profiledAgents = agents.slice(0, Math.min(PROFILED_AGENTS, n));
    const agentsProfiling = await Promise.all(profiledAgents.map((a) => startHookProfile(a.pid, agentProfileOf(a.spec.name), AGENT_PROFILE_WAIT_MS)));
    // every rollout run counts, failed or not: the profile holds the agents' part of each
    let failedRollouts = 0;
    for (let i = 0; i < AGENT_PROFILED_ROLLOUTS; i += 1) {
      if ((await run(process.execPath, [LVSCTL_MAIN, ...rolloutArgs, '--parallel', String(PARALLEL)], { timeoutMs: RUN_TIMEOUT_MS })).code !== 0) failedRollouts += 1;
    }
    const agentCaptures = await agentProfilesAfter(profiledAgents.filter((_, i) => agentsProfiling[i]), agentProfileOf);
    if (agentCaptures.length > 0) {
      writeFileSync(join(dir, 'profile-fanout-agents.json'), JSON.stringify(mergeCaptures(agentCaptures.map(bySampleCount))));
      results.profiledAgents = { names: agentCaptures.map((a) => a.name), rollouts: AGENT_PROFILED_ROLLOUTS, ...(failedRollouts > 0 ? { failed: failedRollouts } : {}) };
    }
    if (agentCaptures.length < profiledAgents.length) results.notes.push(`${profiledAgents.length - agentCaptures.length} of the ${profiledAgents.length} profiled agents wrote no profile`);
    const rss = agents.map((a) => memoryOf(a.pid).rssKb);
    results.agentRssKb = { min: Math.min(...rss), max: Math.max(...rss), median: median(rss) };
  } catch (e) {
    results.errors.push(e instanceof Error ? e.message : String(e));
    log(`FAILED: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    // the agents and the namespaces' holders are stopped whatever else fails here: left
    // running, they hold a hundred processes on the machine until their own bound
    try {
      save();
    } catch (e) {
      log(`cannot write ${join(dir, 'fanout.json')}: ${e instanceof Error ? e.message : String(e)}`);
    }
    await Promise.all(agents.map((a) => a.stop(5000)));
    namespaces?.stop();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench fan-out: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
