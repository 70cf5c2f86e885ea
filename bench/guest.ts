// The benchmark's guest side: runs as root inside ONE boot of the lab's UML kernel (real
// IPVS), started by bench/run.sh through scripts/lab/boot.sh:
//   node dist/bench/guest.js .lab/bench/guest-config.json
// Everything lives inside the guest: a bridge br0 (the guest's root namespace is 10.0.0.254
// on it), namespace lvs1 (10.0.0.1, the lvsctl director) and one per realserver host, web1
// (10.0.0.11), web2 … (default route via lvs1, as LVS-NAT needs). The baselines (ipvsadm -R,
// keepalived) load the guest's root namespace, its own IPVS table. Steps run one at a time
// (the guest has one CPU); each is bounded; the results file is rewritten after each step,
// so a guest killed by its timeout still leaves what was measured.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { appendFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { runLvsctlInProcess } from '../test/lab/support/in-process-cli';
import { startProfile, stopProfile } from './profiler';
import { profileHookEnv, startHookProfile, stopHookProfile } from './agent-profile';
import { applyWindows, DIST, idleCollections, memoryOf, optimizingCompilerOf, now, run, runOk, sleep, startAgent, type ApplyWindow, type Memory, type RunningAgent } from './proc';
import { endToEndSteps, traceMarks } from './end-to-end';
import { benchTable, changedEntry, countProcIpvs, DIRECTOR, procWeight, withOneWeightChanged } from './table';
import type { GuestConfig } from './config';
import { changedOnOddRuns, SMALL_CHANGE_RUNS, type GuestResults, type PageFaultFigure, type ReadingFigure, type RolloutFigure } from './results';

const TMP = '/tmp/bench';
const BRIDGE = 'br0';
const ROOT_ADDRESS = '10.0.0.254';
const AGENT_PORT = 7400;
const AGENT_START_TIMEOUT_MS = 240_000;
const KEEPALIVED = '/usr/sbin/keepalived';

const config = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as GuestConfig;
const started = Date.now();
const results: GuestResults = { startedAt: new Date(started).toISOString(), config, steps: {}, errors: [], notes: [] };

function save(): void {
  results.finishedAt = new Date().toISOString();
  writeFileSync(join(config.dir, 'guest.json'), `${JSON.stringify(results, null, 2)}\n`);
}

function log(line: string): void {
  const s = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
  process.stdout.write(`bench guest ${s}s: ${line}\n`);
}

function remainingMs(): number {
  return config.guestBudgetS * 1000 - (Date.now() - started);
}

/** Runs one step; a failure is recorded and the benchmark goes on with the next step. */
async function step(name: string, body: () => Promise<void>): Promise<boolean> {
  log(`${name} …`);
  const t0 = now();
  try {
    await body();
    log(`${name} done in ${((now() - t0) / 1000).toFixed(1)} s`);
    return true;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    results.errors.push({ step: name, message: message.slice(0, 4000) });
    log(`${name} FAILED: ${message.slice(0, 2000)}`);
    return false;
  } finally {
    save();
  }
}

async function ip(ns: string | null, lines: string[]): Promise<void> {
  await runOk('ip', [...(ns ? ['-n', ns] : []), '-batch', '-'], { timeoutMs: 60_000, input: `${lines.join('\n')}\n` });
}

async function inNs(ns: string | null, file: string, args: string[], options: { timeoutMs: number; input?: string }) {
  return ns === null ? run(file, args, options) : run('ip', ['netns', 'exec', ns, file, ...args], options);
}

async function buildTopology(): Promise<void> {
  const hosts = [DIRECTOR, ...config.realservers];
  await ip(null, [
    `link add ${BRIDGE} type bridge`, `link set ${BRIDGE} up`, `addr add ${ROOT_ADDRESS}/24 dev ${BRIDGE}`,
    ...hosts.flatMap((h) => [
      `netns add ${h.name}`,
      `link add v-${h.name} type veth peer name eth0 netns ${h.name}`,
      `link set v-${h.name} master ${BRIDGE} up`,
    ]),
  ]);
  await ip(DIRECTOR.name, ['link set lo up', `addr add ${DIRECTOR.address}/24 dev eth0`, 'link set eth0 up']);
  for (const rs of config.realservers) {
    // LVS-NAT: replies go back through the director
    await ip(rs.name, ['link set lo up', `addr add ${rs.address}/24 dev eth0`, 'link set eth0 up', `route add default via ${DIRECTOR.address}`]);
  }
  await runOk('ip', ['netns', 'exec', DIRECTOR.name, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1'], { timeoutMs: 60_000 });
}

function certsOf(name: string, address: string): { ca: string; cert: string; key: string } {
  const base = `${name}-at-${address.replace(/[.:]/g, '-')}`;
  return { ca: join(config.certDir, 'ca.crt'), cert: join(config.certDir, `${base}.crt`), key: join(config.certDir, `${base}.key`) };
}

const controller = { ca: join(config.certDir, 'ca.crt'), cert: join(config.certDir, 'controller.crt'), key: join(config.certDir, 'controller.key') };

let director: RunningAgent | undefined;
/** when the agents of the 2,000 table started: their rest is measured from it */
let agentsStartedAt = Date.now();
const realservers: RunningAgent[] = [];
/** every director start gets its own log: agent-lvs1-N.log */
let directorStarts = 0;
let currentDirectorLog = '';
const agentProfile = join(config.dir, 'profile-agent.json');
const realserverLog = (name: string): string => join(TMP, `agent-${name}.log`);
/** longer than the guest's whole run: no periodic self-check round during it (startAgents says why) */
const REALSERVER_SELF_CHECK_INTERVAL = '60m';

async function startAgents(): Promise<void> {
  const [, ...rs] = await Promise.all([
    freshDirector(),
    ...config.realservers.map((h) => startAgent({
      name: h.name, role: 'realserver', netns: h.name, listen: `${h.address}:${AGENT_PORT}`,
      ...certsOf(h.name, h.address), stateDir: join(TMP, `state-${h.name}`), logPath: realserverLog(h.name),
      // its own periodic checks (every 10 s by default: for 2,000 services a few hundred ms of the
      // guest's one CPU each) would land in the director's figures at random; on a site they run on
      // the realserver, not on the director. Its verify at every rollout is unchanged.
      extraArgs: ['--self-check-interval', REALSERVER_SELF_CHECK_INTERVAL],
    }, AGENT_START_TIMEOUT_MS)),
  ]);
  realservers.push(...rs);
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is not there (an earlier step failed)`);
  return value;
}

/** The IPVS table of the namespace `pid` lives in, as the kernel lists it. */
async function procIpvs(pid: number | 'self'): Promise<string> {
  return readFile(`/proc/${pid}/net/ip_vs`, 'utf8');
}

async function lvsctlRollout(planPath: string, label: string, deadlineS: number): Promise<RolloutFigure> {
  const agent = need(director, 'the director agent');
  const wallStart = Date.now();
  const t0 = now();
  const r = await runLvsctlInProcess(
    ['rollout', planPath, '--ca', controller.ca, '--cert', controller.cert, '--key', controller.key, '--timeout', '60s', '--deadline', `${deadlineS}s`],
    // LVSCTL_TRACE: the controller's phase marks land on stderr, kept in rollout-LABEL.out
    { timeoutMs: (deadlineS + 120) * 1000, env: { LVSCTL_TRACE: '1' } },
  );
  const ms = now() - t0;
  const windows = applyWindows(await readFile(currentDirectorLog, 'utf8')).filter((w) => w.startedAt >= wallStart - 2000 && w.mode === 'apply');
  const window: ApplyWindow | undefined = windows[windows.length - 1];
  // the realservers verify in parallel: the longest of this rollout's verifies
  let rsWindow: ApplyWindow | undefined;
  for (const h of config.realservers) {
    const mine = applyWindows(await readFile(realserverLog(h.name), 'utf8').catch(() => '')).filter((w) => w.startedAt >= wallStart - 2000 && w.finishedAt !== undefined);
    const last = mine[mine.length - 1];
    if (last && (rsWindow === undefined || (last.finishedAt ?? 0) - last.startedAt > (rsWindow.finishedAt ?? 0) - rsWindow.startedAt)) rsWindow = last;
  }
  const lines = r.stdout.split('\n');
  await writeFile(join(config.dir, `rollout-${label}.out`), `exit ${r.code}\n--- stdout (last 200 lines of ${lines.length})\n${lines.slice(-200).join('\n')}\n--- stderr\n${r.stderr.slice(-20000)}\n`);
  const figure: RolloutFigure = {
    exitCode: r.code,
    wallMs: ms,
    stdoutLines: lines.length,
    ...(window?.finishedAt !== undefined ? { agentMs: window.finishedAt - window.startedAt, agentOutcome: window.outcome ?? '', agentChanged: window.changed ?? 0 } : {}),
    ...(window?.phasesMs ? { agentPhasesMs: window.phasesMs } : {}),
    ...(window?.pageFaults ? { agentPageFaults: window.pageFaults } : {}),
    ...(window?.gcMs !== undefined ? { agentGcMs: window.gcMs } : {}),
    ...(window?.ipvsReads ? { agentIpvsReads: window.ipvsReads } : {}),
    ...(rsWindow?.finishedAt !== undefined ? { realserverMs: rsWindow.finishedAt - rsWindow.startedAt } : {}),
    ...(window?.decode ? { agentDecode: window.decode } : {}),
    ...withEndToEnd(endToEndSteps(traceMarks(r.stderr), DIRECTOR.name, window)),
    memory: memoryOf(agent.pid),
  };
  const problems = lines.filter((l) => /^\S+\s+(unreachable|failed)\s/.test(l) || /^\s+fix:/.test(l)).slice(0, 6);
  if (r.code !== 0 && problems.length > 0) figure.problem = problems.join('\n').slice(0, 1500);
  if (r.code !== 0) throw Object.assign(new Error(`lvsctl rollout ${label} exited ${r.code} after ${(ms / 1000).toFixed(1)} s: ${(figure.problem ?? r.stderr.trim()).replace(/\s+/g, ' ').slice(0, 1500)}`), { figure });
  return figure;
}

function withEndToEnd(steps: RolloutFigure['endToEnd']): Pick<RolloutFigure, 'endToEnd'> {
  return steps ? { endToEnd: steps } : {};
}

/** A rollout whose figure is kept under `name`, also when it failed; bounded by --deadline. */
async function rolloutFigure(name: string, planPath: string, budgetS: number): Promise<RolloutFigure> {
  try {
    const figure = await lvsctlRollout(planPath, name, budgetS);
    results.steps[name] = figure;
    return figure;
  } catch (e) {
    const figure = (e as { figure?: RolloutFigure }).figure;
    if (figure) results.steps[name] = { ...figure, budgetS };
    throw e;
  }
}

const PROFILE_INTERVAL_US = 2000;

/** `env` with `extra` (the trial's BENCH_AGENT_NODE_OPTIONS) after its NODE_OPTIONS. */
function withNodeOptions(env: Record<string, string>, extra: string): Record<string, string> {
  if (extra === '') return env;
  return { ...env, NODE_OPTIONS: env.NODE_OPTIONS ? `${env.NODE_OPTIONS} ${extra}` : extra };
}

/** Stops the director agent (an apply in flight is not waited for), empties lvs1's table, starts a new one on a fresh state dir. */
async function freshDirector(): Promise<RunningAgent> {
  await director?.stop(5_000);
  director = undefined;
  await runOk('ip', ['netns', 'exec', DIRECTOR.name, 'ipvsadm', '-C'], { timeoutMs: 60_000 });
  directorStarts += 1;
  director = await startAgent({
    name: DIRECTOR.name, role: 'director', netns: DIRECTOR.name, listen: `${DIRECTOR.address}:${AGENT_PORT}`,
    ...certsOf(DIRECTOR.name, DIRECTOR.address), stateDir: join(TMP, `state-${DIRECTOR.name}-${directorStarts}`), logPath: (currentDirectorLog = join(TMP, `agent-${DIRECTOR.name}-${directorStarts}.log`)),
    extraArgs: ['--iptables', 'legacy', ...config.ipvsArgs],
    env: withNodeOptions(profileHookEnv(agentProfile, PROFILE_INTERVAL_US), config.agentNodeOptions),
  }, AGENT_START_TIMEOUT_MS);
  return director;
}

/** SIGUSR2 to the agent's hook (bench/agent-hook.ts): true once its profile runs. */
function startAgentProfile(agent: RunningAgent): Promise<boolean> {
  return startHookProfile(agent.pid, agentProfile, 60_000);
}

/** The second SIGUSR2: the hook writes the profile; `quiet` when the agent is known to be busy (a cut-short apply). */
async function stopAgentProfile(agent: RunningAgent, waitMs: number, quiet = false): Promise<void> {
  if (!(await stopHookProfile(agent.pid, agentProfile, waitMs)) && !quiet) results.notes.push(`the director agent did not write its profile within ${waitMs / 1000} s`);
}

/**
 * `apply` with the agent profiled (when profiling is on), the profile kept as
 * profile-agent-NAME.json; the load's profile-agent.json is set aside meanwhile.
 */
async function profiledApply<T>(name: string, agent: RunningAgent, apply: () => Promise<T>): Promise<T> {
  if (!config.profile) return apply();
  const kept = `${agentProfile}.keep`;
  if (existsSync(agentProfile)) await rename(agentProfile, kept);
  try {
    const profiled = await startAgentProfile(agent);
    try {
      return await apply();
    } finally {
      if (profiled) {
        await stopAgentProfile(agent, 60_000);
        if (existsSync(agentProfile)) await rename(agentProfile, join(config.dir, `profile-agent-${name}.json`));
      }
    }
  } finally {
    if (existsSync(kept)) await rename(kept, agentProfile);
  }
}

async function expectTable(pid: number | 'self', services: number, destinations: number, what: string): Promise<void> {
  const counted = countProcIpvs(await procIpvs(pid));
  if (counted.services !== services || counted.destinations !== destinations) {
    throw new Error(`${what}: the kernel lists ${counted.services} services and ${counted.destinations} destinations, expected ${services} and ${destinations}`);
  }
}

/** `ipvsadm -S -n` of a namespace equals the batch, line for line (in any order): the same table. */
async function expectSameTable(ns: string | null, batch: string, what: string): Promise<void> {
  const r = await inNs(ns, 'ipvsadm', ['-S', '-n'], { timeoutMs: 120_000 });
  const sorted = (text: string): string[] => text.split('\n').map((l) => l.trim()).filter((l) => l !== '').sort();
  const got = sorted(r.stdout);
  const want = sorted(batch);
  const wanted = new Set(want);
  const extra = got.filter((l) => !wanted.has(l));
  if (got.length !== want.length || extra.length > 0) {
    throw new Error(`${what}: ipvsadm -S -n differs from the batch (${got.length} lines against ${want.length}; e.g. ${extra.slice(0, 3).join(' / ') || 'lines missing'})`);
  }
  results.notes.push(`${what}: \`ipvsadm -S -n\` equals the \`ipvsadm -R\` batch line for line`);
}

/** Three timed runs of a reader; the figure is the median. */
async function reading(name: string, read: () => Promise<number>): Promise<ReadingFigure> {
  const runs: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 3; i += 1) {
    const t0 = now();
    bytes = await read();
    runs.push(now() - t0);
  }
  const sorted = [...runs].sort((a, b) => a - b);
  return { name, runsMs: runs, medianMs: sorted[1] ?? NaN, bytes };
}

/** The netlink reader of the agent's netlink backend, when this build has one (loaded at run time). */
function netlinkReader(): { read: () => Promise<number> } | string {
  const modulePath = join(DIST, 'agent', 'kernel', 'linux', 'netlink-ipvs.js');
  const socketPath = join(DIST, 'agent', 'kernel', 'linux', 'netlink-socket.js');
  if (!existsSync(modulePath) || !existsSync(socketPath)) return 'this build has no netlink backend (agent/kernel/linux/netlink-ipvs.ts)';
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { NetlinkIpvs } = require(modulePath) as { NetlinkIpvs?: new (o: object) => { read(): Promise<{ services: Array<{ destinations: unknown[] }> }> } };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { loadNetlinkSockets } = require(socketPath) as { loadNetlinkSockets?: () => unknown };
    if (NetlinkIpvs === undefined || loadNetlinkSockets === undefined) return 'the netlink backend has another shape than NetlinkIpvs + loadNetlinkSockets';
    const sockets = loadNetlinkSockets();
    if (sockets instanceof Error) return `netlink sockets do not load: ${sockets.message}`;
    const ipvs = new NetlinkIpvs({ openSocket: sockets, readConnections: async () => [] });
    return {
      read: async () => {
        const table = await ipvs.read();
        return table.services.reduce((n, s) => n + 1 + s.destinations.length, 0);
      },
    };
  } catch (e) {
    return `the netlink backend does not load: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
  }
}

/** Polls /proc/net/ip_vs of this namespace until `done` says so; the time since `since`. */
async function pollTable(since: number, timeoutMs: number, done: (text: string) => boolean, intervalMs = 100): Promise<{ ms: number; polls: number }> {
  let polls = 0;
  for (;;) {
    const text = await procIpvs('self');
    polls += 1;
    if (done(text)) return { ms: now() - since, polls };
    if (now() - since > timeoutMs) throw new Error(`not there after ${timeoutMs} ms (${polls} polls); last count ${JSON.stringify(countProcIpvs(text))}`);
    await sleep(intervalMs);
  }
}

function memoryNow(agent: RunningAgent | undefined): Memory | undefined {
  try {
    return agent ? memoryOf(agent.pid) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The time of one minor page fault in this guest: 32 MiB of fresh memory written once (every
 * page a fault: a first touch), in this process. Under a user-mode kernel a fault is a round
 * trip through the host; on a host kernel it costs about a microsecond.
 */
function pageFaultCost(): PageFaultFigure {
  const before = process.resourceUsage().minorPageFault;
  const start = performance.now();
  const fresh = Buffer.allocUnsafeSlow(32 * 1024 * 1024);
  fresh.fill(1);
  const ms = performance.now() - start;
  return { faults: process.resourceUsage().minorPageFault - before, ms, bytes: fresh.length };
}

async function main(): Promise<void> {
  await rm(TMP, { recursive: true, force: true });
  await mkdir(TMP, { recursive: true });
  const small = benchTable({ services: config.services, destinations: config.destinations });
  const smallCount = { services: small.length, destinations: small.length * config.destinations };
  const files = config.files;

  results.meta = {
    kernel: (await run('uname', ['-r'], { timeoutMs: 10_000 })).stdout.trim(),
    node: process.version,
    ipvsadm: (await run('ipvsadm', ['--version'], { timeoutMs: 10_000 })).stdout.trim(),
    keepalived: (await run(KEEPALIVED, ['--version'], { timeoutMs: 10_000 })).stderr.split('\n')[0]?.trim() ?? '',
    ...(config.agentNodeOptions !== '' ? { agentNodeOptions: config.agentNodeOptions } : {}),
  };

  // what one page of fresh memory costs here: the director's apply counts its page faults part by part
  await step('page-fault', async () => {
    results.steps['page-fault'] = pageFaultCost();
  });

  if (!(await step('setup', async () => {
    await buildTopology();
    await startAgents();
    await sleep(3000);
    const compiler = optimizingCompilerOf(await readFile(currentDirectorLog, 'utf8').catch(() => ''));
    if (results.meta && compiler !== undefined) results.meta.optimizingCompiler = compiler;
    results.steps.idle = { memory: memoryOf(need(director, 'director').pid), realserverMemory: memoryOf(need(realservers[0], 'a realserver').pid) };
    agentsStartedAt = Date.now();
  }))) return;

  // ---- baselines in the guest's root namespace: ipvsadm -R, the readers, keepalived
  const restoreText = await readFile(files.ipvsadmSmall, 'utf8');
  if (config.skipBaselines) results.notes.push('baselines skipped (--skip-baselines): ipvsadm -R, the readers, keepalived and the RSS at rest were not measured');
  else await baselines(restoreText);

  // a trial without the baselines still loads into an agent at rest when asked (config.ts, restBeforeLoadS)
  const restLeftMs = agentsStartedAt + config.restBeforeLoadS * 1000 - Date.now();
  if (restLeftMs > 0) {
    results.notes.push(`the director agent was left idle ${config.restBeforeLoadS} s after its start before lvsctl's load (BENCH_REST_S)`);
    await sleep(restLeftMs);
  }

  // ---- lvsctl: the director agent in lvs1, its figures, then profiled repeats (agent and controller)
  await lvsctlFigures(restoreText, smallCount);
}

/** ipvsadm -R, the readers and keepalived in the guest's root namespace, then the agents' RSS at rest. */
async function baselines(restoreText: string): Promise<void> {
  const small = benchTable({ services: config.services, destinations: config.destinations });
  const smallCount = { services: small.length, destinations: small.length * config.destinations };
  const changed = changedEntry(withOneWeightChanged(small));
  const files = config.files;
  await step('ipvsadm-restore', async () => {
    await runOk('ipvsadm', ['-C'], { timeoutMs: 60_000 });
    const r = await runOk('ipvsadm', ['-R'], { timeoutMs: 600_000, input: restoreText });
    if (r.stderr.trim() !== '') throw new Error(`ipvsadm -R complained: ${r.stderr.trim().slice(0, 500)}`);
    results.steps['ipvsadm-restore'] = { ms: r.ms };
    await expectTable('self', smallCount.services, smallCount.destinations, 'after ipvsadm -R');
  });

  await step('readings', async () => {
    const figures: ReadingFigure[] = [];
    const netlink = netlinkReader();
    if (typeof netlink === 'string') results.notes.push(`netlink dump: ${netlink}`);
    else figures.push(await reading('netlink dump', netlink.read));
    figures.push(await reading('ipvsadm -S -n', async () => (await runOk('ipvsadm', ['-S', '-n'], { timeoutMs: 120_000 })).stdout.length));
    figures.push(await reading('cat /proc/net/ip_vs', async () => (await runOk('cat', ['/proc/net/ip_vs'], { timeoutMs: 120_000 })).stdout.length));
    results.steps.readings = { figures, ...(typeof netlink === 'string' ? { netlinkMissing: netlink } : {}) };
  });
  await run('ipvsadm', ['-C'], { timeoutMs: 60_000 });

  // keepalived: its log (line-buffered through stdbuf, read as it comes) says when it is done;
  // the table is then checked whole. Polling /proc/net/ip_vs instead would take CPU from it
  // (reading 22,000 lines costs a few hundred ms here, on the guest's one CPU).
  let keepalivedPid: number | undefined;
  let keepalivedLines: ((line: string) => void) | undefined;
  const lastService = small[small.length - 1];
  await step('keepalived-load', async () => {
    await expectTable('self', 0, 0, 'before keepalived');
    await writeFile(join(TMP, 'keepalived.conf'), await readFile(files.keepalivedSmall, 'utf8'));
    const kaLog = join(TMP, 'keepalived.log');
    let pending = '';
    const onData = (b: Buffer): void => {
      void appendFile(kaLog, b);
      const text = pending + b.toString('utf8');
      const lines = text.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) keepalivedLines?.(line);
    };
    let lastUpAt: number | undefined;
    const lastUp = `for VS [${lastService?.vip}]:tcp:${lastService?.port}`;
    keepalivedLines = (line) => { if (lastUpAt === undefined && line.includes('Gained quorum') && line.includes(lastUp)) lastUpAt = now(); };
    const t0 = now();
    const child = spawn('stdbuf', ['-oL', '-eL', KEEPALIVED, '--dont-fork', '--log-console', '--no-syslog', '--check', '--log-detail',
      '--use-file', join(TMP, 'keepalived.conf'), '--pid', join(TMP, 'keepalived.pid'), '--checkers_pid', join(TMP, 'checkers.pid')],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.unref();
    keepalivedPid = child.pid;
    const deadline = t0 + 600_000;
    while (lastUpAt === undefined && now() < deadline && child.exitCode === null) await sleep(20);
    if (lastUpAt === undefined) throw new Error(`keepalived never logged "Gained quorum … ${lastUp}" (exit ${child.exitCode}); see keepalived.log`);
    const byLog = lastUpAt - t0;
    const c = countProcIpvs(await procIpvs('self'));
    if (c.services === smallCount.services && c.destinations === smallCount.destinations) {
      results.steps['keepalived-load'] = { ms: byLog, method: 'log: the last virtual server up' };
    } else {
      // the log ran ahead of the table: poll until it is whole (slower, and said so)
      const full = await pollTable(t0, 600_000, (text) => {
        const n = countProcIpvs(text);
        return n.services === smallCount.services && n.destinations === smallCount.destinations;
      }, 250);
      results.steps['keepalived-load'] = { ms: full.ms, method: `polling /proc/net/ip_vs (${full.polls} reads): the log's last line came before the table was whole` };
    }
    await expectSameTable(null, restoreText, 'the table keepalived loaded');
  });

  // SMALL_CHANGE_RUNS reloads, each one weight: changed, set back, changed again, … (the figure is their median, as lvsctl's)
  await step('keepalived-reload', async () => {
    const pid = need(keepalivedPid, 'keepalived');
    const original = changedEntry(small);
    const runs: Array<{ ms: number; method: string }> = [];
    for (let n = 1; n <= SMALL_CHANGE_RUNS; n += 1) {
      const config = changedOnOddRuns(n, files.keepalivedSmallChanged, files.keepalivedSmall);
      const weight = changedOnOddRuns(n, changed.weight, original.weight);
      await writeFile(join(TMP, 'keepalived.conf'), await readFile(config, 'utf8'));
      let completeAt: number | undefined;
      keepalivedLines = (line) => { if (completeAt === undefined && line.includes('Reload complete')) completeAt = now(); };
      const t0 = now();
      process.kill(pid, 'SIGHUP');
      while (completeAt === undefined && now() - t0 < 300_000) await sleep(10);
      if (completeAt === undefined) throw new Error('keepalived never logged "Reload complete" within 300 s');
      const w = procWeight(await procIpvs('self'), changed.vip, changed.port, changed.rsAddress, changed.rsPort);
      if (w === weight) {
        runs.push({ ms: completeAt - t0, method: 'log: "Reload complete"' });
      } else {
        const seen = await pollTable(t0, 300_000, (text) => procWeight(text, changed.vip, changed.port, changed.rsAddress, changed.rsPort) === weight, 100);
        runs.push({ ms: seen.ms, method: `polling /proc/net/ip_vs (${seen.polls} reads): "Reload complete" came before the weight` });
      }
      await expectTable('self', smallCount.services, smallCount.destinations, 'after the keepalived reload');
    }
    const middle = [...runs].sort((x, y) => x.ms - y.ms)[Math.floor((runs.length - 1) / 2)] as { ms: number; method: string };
    results.steps['keepalived-reload'] = { ms: middle.ms, runsMs: runs.map((r) => r.ms), method: `${middle.method}; the median of ${runs.length}` };
  });
  if (keepalivedPid !== undefined) {
    try {
      process.kill(keepalivedPid, 'SIGTERM');
    } catch {
      // already gone
    }
    for (let i = 0; i < 300 && existsSync(`/proc/${keepalivedPid}`); i += 1) await sleep(200);
  }
  await run('ipvsadm', ['-C'], { timeoutMs: 60_000 });

  // ---- the agents at rest: idle through the baselines above, then until their RSS settles.
  // V8's memory reducer gives back the start-up memory only after a while idle, and in the
  // guest (where node takes 5-20 s to start) that came 65-90 s after the start, after a minute
  // flat: a sample at 60 s read the memory before it. So: from 60 s on, a sample every 5 s
  // until the RSS has dropped 5 % below the highest sample and three in a row agree within
  // 1 %, or 180 s; the samples are kept.
  if (director && realservers[0]) {
    await sleep(Math.max(0, agentsStartedAt + 60_000 - Date.now()));
    const samples: number[] = [];
    const settled = (): boolean => {
      const last = samples.at(-1);
      if (last === undefined || samples.length < 3 || last > 0.95 * Math.max(...samples)) return false;
      return samples.slice(-3).every((kb) => Math.abs(kb - last) <= last / 100);
    };
    while (!settled() && Date.now() - agentsStartedAt < 180_000) {
      samples.push(memoryOf(director.pid).rssKb);
      if (!settled()) await sleep(5_000);
    }
    results.steps.idleAtRest = {
      memory: memoryOf(director.pid),
      realserverMemory: memoryOf(realservers[0].pid),
      idleS: Math.round((Date.now() - agentsStartedAt) / 1000),
      samplesKb: samples,
      settled: settled(),
    };
  }

}

/**
 * lvsctl's load, weight change and no-ops into the director agent, then the same applies again
 * under the profiler, then the 20,000 load. The figures are taken with no profiler running:
 * in the guest every sample is a signal through the user-mode kernel, a cost of the
 * measurement, not of lvsctl (the profiled repeats' own times stand in the report beside them).
 */
async function lvsctlFigures(restoreText: string, smallCount: { services: number; destinations: number }): Promise<void> {
  const small = benchTable({ services: config.services, destinations: config.destinations });
  const changed = changedEntry(withOneWeightChanged(small));
  const files = config.files;
  const loaded = await step('lvsctl-load', async () => {
    const agent = need(director, 'the director agent');
    await rolloutFigure('lvsctl-load', files.planSmall, config.loadBudgetS);
    await expectTable(agent.pid, smallCount.services, smallCount.destinations, 'after the lvsctl load');
    await expectSameTable(DIRECTOR.name, restoreText, 'the table lvsctl loaded');
  });
  if (!loaded) {
    // The table the next figures need, loaded by hand into a fresh agent's namespace and adopted.
    await step('lvsctl-adopt', async () => {
      await freshDirector();
      await runOk('ip', ['netns', 'exec', DIRECTOR.name, 'ipvsadm', '-R'], { timeoutMs: 600_000, input: restoreText });
      await rolloutFigure('lvsctl-adopt', files.planSmall, 300);
      results.notes.push(`the ${config.services} × ${config.destinations} load did not finish (its --deadline was ${config.loadBudgetS} s); for the weight and no-op figures the table was loaded with ipvsadm -R into a fresh agent's namespace and adopted by a rollout of the same plan`);
    });
  }
  // SMALL_CHANGE_RUNS one-weight rollouts, as keepalived's reloads: changed, set back, changed again, …
  const original = changedEntry(small);
  for (let n = 1; n <= SMALL_CHANGE_RUNS; n += 1) {
    const plan = changedOnOddRuns(n, files.planSmallChanged, files.planSmall);
    const weight = changedOnOddRuns(n, changed.weight, original.weight);
    await step(`lvsctl-weight-${n}`, async () => {
      const agent = need(director, 'the director agent');
      await rolloutFigure(`lvsctl-weight-${n}`, plan, 300);
      const w = procWeight(await procIpvs(agent.pid), changed.vip, changed.port, changed.rsAddress, changed.rsPort);
      if (w !== weight) throw new Error(`after weight rollout ${n} the kernel shows weight ${w}, expected ${weight}`);
    });
  }
  // after an odd number of weight rollouts the table holds the changed weight: the no-ops roll that plan out again
  for (let n = 1; n <= SMALL_CHANGE_RUNS; n += 1) await step(`lvsctl-noop-${n}`, async () => void (await rolloutFigure(`lvsctl-noop-${n}`, files.planSmallChanged, 300)));
  // the director's collections once idle: after the load, then after each change (outside every figure)
  results.steps.afterSmall = { memory: memoryNow(director), idleCollections: idleCollections(await readFile(currentDirectorLog, 'utf8').catch(() => '')) };

  // ---- the same kinds of apply again, profiled: the weight back, a no-op, a load into a fresh agent
  if (config.profile) {
    await step('profiled-weight', async () => {
      const agent = need(director, 'the director agent');
      await profiledApply('weight', agent, () => rolloutFigure('profiled-weight', files.planSmall, 300));
      const w = procWeight(await procIpvs(agent.pid), changed.vip, changed.port, changed.rsAddress, changed.rsPort);
      if (w === changed.weight) throw new Error(`after the profiled rollout that sets the weight back the kernel still shows weight ${w}`);
    });
    await step('profiled-noop', async () => {
      await profiledApply('noop', need(director, 'the director agent'), () => rolloutFigure('profiled-noop', files.planSmall, 300));
    });
    // the load did not finish unprofiled: a smaller one, so "where the time goes" still has a profile
    const plan = loaded ? files.planSmall : files.planProfile;
    await step(loaded ? 'profiled-load' : 'profile-fallback', async () => {
      const agent = await freshDirector();
      if (!(await startAgentProfile(agent))) throw new Error('the agent did not start its profile');
      await startProfile(PROFILE_INTERVAL_US);
      let finished = false;
      try {
        await rolloutFigure(loaded ? 'profiled-load' : 'profile-fallback', plan, config.loadBudgetS);
        finished = true;
      } finally {
        writeFileSync(join(config.dir, 'profile-controller.json'), JSON.stringify(await stopProfile()));
        // an agent still busy with the apply answers the signal only once it is done: not waited for then
        await stopAgentProfile(agent, finished ? 120_000 : 5_000, !finished);
      }
    });
  }

  // ---- 20,000 x 10 into a fresh director, with a Hello every 100 ms from another process
  if (config.bigServices > 0) {
    await step('lvsctl-big', async () => {
      const agent = await freshDirector();
      results.steps.bigIdle = { memory: memoryOf(agent.pid) };
      const helloOut = join(config.dir, 'hello.json');
      await rm(helloOut, { force: true });
      const probe = spawn(process.execPath, [join(DIST, 'bench', 'hello-probe.js'),
        '--address', DIRECTOR.address, '--port', String(AGENT_PORT), '--ca', controller.ca, '--cert', controller.cert, '--key', controller.key,
        '--interval-ms', '100', '--max-s', String(Math.max(60, Math.floor(remainingMs() / 1000))), '--out', helloOut], { stdio: ['ignore', 'pipe', 'pipe'] });
      let probeErr = '';
      probe.stderr.on('data', (b: Buffer) => { probeErr += b.toString(); });
      const probeExit = new Promise<void>((resolve) => probe.once('exit', () => resolve()));
      const ready = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 180_000);
        probe.stdout.on('data', (b: Buffer) => { if (b.toString().includes('ready')) { clearTimeout(timer); resolve(true); } });
        probe.once('exit', () => { clearTimeout(timer); resolve(false); });
      });
      if (!ready) {
        probe.kill('SIGKILL');
        throw new Error(`the Hello probe never got an answer: ${probeErr.trim().slice(-1000)}`);
      }
      await sleep(1000);
      const budgetS = Math.max(60, Math.floor(remainingMs() / 1000) - 60);
      const big = benchTable({ services: config.bigServices, destinations: config.destinations });
      let failure: unknown;
      try {
        // not profiled: the Hello figure is the agent's own latency, not the sampler's
        await rolloutFigure('lvsctl-big', files.planBig, budgetS);
      } catch (e) {
        failure = e;
      }
      // the probe goes on past the agent's collection once idle (a second after the apply, docs/director.md)
      await sleep(3000);
      probe.kill('SIGTERM');
      const killer = setTimeout(() => probe.kill('SIGKILL'), 30_000);
      await probeExit;
      clearTimeout(killer);
      results.steps.hello = { file: helloOut, budgetS };
      results.steps.afterBig = { memory: memoryNow(director), idleCollections: idleCollections(await readFile(currentDirectorLog, 'utf8').catch(() => '')) };
      if (failure) throw failure;
      await expectTable(agent.pid, big.length, big.length * config.destinations, 'after the 20,000 load');
    });
  }
}

main()
  .catch((e: unknown) => {
    results.errors.push({ step: 'main', message: e instanceof Error ? e.stack ?? e.message : String(e) });
  })
  .finally(async () => {
    save();
    // the logs live in the guest's tmpfs: keep them on the host disk (again after the agents stopped)
    const keepLogs = async (): Promise<void> => {
      const names = [...Array.from({ length: directorStarts }, (_, i) => `agent-${DIRECTOR.name}-${i + 1}.log`), ...config.realservers.map((h) => `agent-${h.name}.log`), 'keepalived.log'];
      for (const name of names) await writeFile(join(config.dir, name), await readFile(join(TMP, name), 'utf8').catch(() => ''));
    };
    await keepLogs();
    await Promise.all([director?.stop(), ...realservers.map((r) => r.stop())]).catch(() => undefined);
    await keepLogs();
    save();
    log(`finished; ${results.errors.length} step(s) failed`);
    process.exit(0);
  });
