// Writes docs/benchmarks.md from one run's files in .lab/bench (guest.json, fanout.json, the
// profiles, hello.json): every figure beside its same-run baseline, the ratio, the issue's
// target and whether it was met; then where the time goes, from the profiles.
//   node dist/bench/report.js --dir .lab/bench --out docs/benchmarks.md --total-s N --lab-status N
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ProfileCapture } from './profiler';
import { busyShares, summarizeProfile, type ProfileSummary } from './profile-summary';
import { partsWallMs, type IdleCollection, type Memory } from './proc';
import type { EndToEndStep } from './end-to-end';
import { PROBE_STOPPED, SMALL_CHANGE_RUNS, type CliStartupResults, type FanoutResults, type GuestResults, type PageFaultFigure, type ReadingFigure, type RolloutFigure } from './results';

/** 1 … SMALL_CHANGE_RUNS: the numbers of the guest's one-weight and no-op rollouts */
const smallChangeRuns = Array.from({ length: SMALL_CHANGE_RUNS }, (_, i) => i + 1);

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export function seconds(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(2)} s`;
  return `${(ms / 1000).toFixed(1)} s`;
}

function mib(kb: number | undefined): string {
  return kb === undefined ? '—' : `${(kb / 1024).toFixed(1)} MiB`;
}

/** How the fan-out's realservers were laid out (bench/fanout-hosts.ts); a run from before --layout had them all on one lo. */
function fanoutLayoutText(layout: 'hosts' | 'shared-lo' | undefined): string {
  return layout === 'hosts'
    ? 'each its own host as at a site: a network namespace of its own (`unshare --net`) with its address on its eth0, the VIP on its lo and its own `arp_ignore=1`, `arp_announce=2`, so its LVS-DR checks pass, its eth0 one end of a veth pair whose other end is a port of a bridge in the fan-out\'s namespace, where the controller dials from 10.9.1.254/24 (so each agent\'s checks read its own few addresses, and each packet crosses a veth and the bridge).'
    : 'all their addresses and the VIP on the one lo of the fan-out\'s namespace with `arp_ignore=1`, `arp_announce=2`, so their LVS-DR checks pass (every agent\'s checks then read all 102 addresses).';
}

/** "2 cores": what the fan-out's run recorded (a run from before it did says only "cores") */
function coresText(fanout: FanoutResults | undefined): string {
  const cores = fanout?.cores;
  return cores === undefined ? 'cores' : `${cores} ${cores === 1 ? 'core' : 'cores'}`;
}

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

function ratioText(r: number | undefined): string {
  if (r === undefined || !Number.isFinite(r)) return '—';
  return r < 0.01 ? `${r.toFixed(4)}×` : r < 0.1 ? `${r.toFixed(3)}×` : `${r.toFixed(2)}×`;
}

/** "met", or "missed" and by how much, for a ratio that must be at most (or below) `limit`. */
export function verdict(r: number | undefined, limit: number, strict = false): string {
  if (r === undefined || !Number.isFinite(r)) return 'not measured';
  const ok = strict ? r < limit : r <= limit;
  const times = (x: number): string => (x < 10 ? x.toFixed(2) : x.toFixed(1));
  return ok ? `**met** (${times(limit / r)}× margin)` : `**missed**: ${times(r / limit)}× over`;
}

interface Row {
  figure: string;
  lvsctl: string;
  baseline: string;
  ratio: string;
  target: string;
  met: string;
}

function table(rows: Row[]): string {
  const head = '| figure | lvsctl | baseline (same run) | ratio | target | met? |\n|---|---|---|---|---|---|';
  return [head, ...rows.map((r) => `| ${r.figure} | ${r.lvsctl} | ${r.baseline} | ${r.ratio} | ${r.target} | ${r.met} |`)].join('\n');
}

function rollout(results: GuestResults | undefined, name: string): RolloutFigure | undefined {
  return results?.steps[name] as RolloutFigure | undefined;
}

function done(f: RolloutFigure | undefined): boolean {
  return f !== undefined && f.exitCode === 0;
}

/** The lvsctl cell of a rollout: its time, or that it did not finish and why. */
function rolloutCell(f: RolloutFigure | undefined, part: 'agentMs' | 'wallMs'): string {
  if (f === undefined) return 'not run';
  if (done(f)) return seconds(f[part]);
  const why = f.problem?.split('\n')[0]?.replace(/\s+/g, ' ').replace(/\|/g, '/').slice(0, 120) ?? `exit ${f.exitCode}`;
  return `not done: gave up after ${seconds(f.wallMs)} (${why})`;
}

/** The ratio of a rollout to its baseline; for one that did not finish, "> " the time it ran. */
function rolloutRatio(f: RolloutFigure | undefined, part: 'agentMs' | 'wallMs', baselineMs: number | undefined): { text: string; value: number | undefined } {
  if (f === undefined || baselineMs === undefined) return { text: '—', value: undefined };
  if (done(f)) {
    const v = (f[part] ?? NaN) / baselineMs;
    return { text: ratioText(v), value: v };
  }
  const v = f.wallMs / baselineMs;
  return { text: `> ${ratioText(v)}`, value: v };
}

function rolloutRow(figure: string, f: RolloutFigure | undefined, part: 'agentMs' | 'wallMs', baselineName: string, baselineMs: number | undefined, limit: number, targetText: string): Row {
  const r = rolloutRatio(f, part, baselineMs);
  const verdictText = f !== undefined && !done(f) ? `**missed**: did not finish (> ${((r.value ?? NaN) / limit).toFixed(1)}× over)` : verdict(r.value, limit);
  return { figure, lvsctl: rolloutCell(f, part), baseline: `${baselineName} ${seconds(baselineMs)}`, ratio: r.text, target: targetText, met: baselineMs === undefined ? 'not measured' : verdictText };
}

/** A rollout figure made of several runs: the median of those that finished. */
function medianRollout(figures: Array<RolloutFigure | undefined>): RolloutFigure | undefined {
  const ok = figures.filter((f): f is RolloutFigure => done(f));
  if (ok.length === 0) return figures.find((f) => f !== undefined);
  const agent = median(ok.map((f) => f.agentMs ?? NaN));
  const wall = median(ok.map((f) => f.wallMs)) ?? NaN;
  // the parts shown are the median run's (by agent side)
  const base = [...ok].sort((x, y) => (x.agentMs ?? NaN) - (y.agentMs ?? NaN))[Math.floor((ok.length - 1) / 2)] as RolloutFigure;
  return { ...base, wallMs: wall, ...(agent !== undefined ? { agentMs: agent } : {}) };
}

interface HelloFile {
  intervalMs: number;
  samples: Array<{ at: number; ms: number; ok: boolean; error?: string }>;
}

/** `ofBusy`: the summary has its idle time left out (busyShares), each share one of the time on the CPU. */
function profileSection(title: string, summary: ProfileSummary, topFunctions: number, ofBusy = false): string {
  const biggest = summary.functions.slice(0, 3).map((f) => `\`${f.name.replace(/\|/g, '/')}\` ${(f.share * 100).toFixed(0)} %`).join(', ');
  const amount = ofBusy ? `${seconds(summary.busyMs)} on the CPU in all, each share below one of that` : `${seconds(summary.spanMs)} profiled, ${seconds(summary.busyMs)} of it on the CPU`;
  const lines = [`**${title}**: ${amount}. Largest self times: ${biggest}.`, ''];
  lines.push('| area (self time) | time | share |', '|---|---|---|');
  for (const a of summary.areas.slice(0, 8)) lines.push(`| ${a.name} | ${seconds(a.ms)} | ${(a.share * 100).toFixed(1)} % |`);
  lines.push('', '| function (self time) | time | share |', '|---|---|---|');
  for (const f of summary.functions.slice(0, topFunctions)) lines.push(`| \`${f.name.replace(/\|/g, '/')}\` | ${seconds(f.ms)} | ${(f.share * 100).toFixed(1)} % |`);
  if (summary.execs.length > 0) {
    lines.push('', '| tool run by the process | calls | wall time |', '|---|---|---|');
    for (const e of summary.execs) lines.push(`| \`${e.command}\`${e.inputBytes > 0 ? ` (${(e.inputBytes / 1024).toFixed(0)} KiB on stdin)` : ''} | ${e.calls} | ${seconds(e.ms)} |`);
  }
  if (summary.stalls.length > 0) {
    lines.push('', '| event loop held (longest; a 20 ms timer came this late) | at | on the stack for most of it | self time |', '|---|---|---|---|');
    const names = (list: Array<{ name: string; share: number }>): string => list.map((f) => `\`${f.name.replace(/\|/g, '/')}\` ${(f.share * 100).toFixed(0)} %`).join(', ') || '—';
    for (const st of summary.stalls) lines.push(`| ${seconds(st.ms)} | ${seconds(st.atMs)} | ${names(st.frames)} | ${names(st.self)} |`);
  }
  return lines.join('\n');
}

function main(): void {
  const dir = resolve(option('dir', '.lab/bench'));
  const out = resolve(option('out', 'docs/benchmarks.md'));
  const totalS = Number(option('total-s', 'NaN'));
  const labStatus = option('lab-status', '');
  const guest = readJson<GuestResults>(join(dir, 'guest.json'));
  const fanout = readJson<FanoutResults>(join(dir, 'fanout.json'));
  const hello = readJson<HelloFile>(join(dir, 'hello.json'));
  const cfg = guest?.config;
  const n = cfg ? `${cfg.services.toLocaleString('en-US')} × ${cfg.destinations}` : '2,000 × 10';
  const big = cfg ? `${cfg.bigServices.toLocaleString('en-US')} × ${cfg.destinations}` : '20,000 × 10';
  const ms = (name: string): number | undefined => (guest?.steps[name] as { ms?: number } | undefined)?.ms;
  const keepalivedLoad = ms('keepalived-load');
  const keepalivedReload = ms('keepalived-reload');
  const ipvsadmRestore = ms('ipvsadm-restore');
  const load = rollout(guest, 'lvsctl-load');
  const weight = medianRollout(smallChangeRuns.map((n) => rollout(guest, `lvsctl-weight-${n}`)));
  const noop = medianRollout(smallChangeRuns.map((n) => rollout(guest, `lvsctl-noop-${n}`)));
  const bigRun = rollout(guest, 'lvsctl-big');
  const readings = (guest?.steps.readings as { figures?: ReadingFigure[]; netlinkMissing?: string } | undefined);
  const reading = (name: string): number | undefined => readings?.figures?.find((f) => f.name === name)?.medianMs;
  const idle = (guest?.steps.idle as { memory?: Memory; realserverMemory?: Memory } | undefined);
  const atRest = (guest?.steps.idleAtRest as { memory?: Memory; realserverMemory?: Memory; idleS?: number; samplesKb?: number[]; settled?: boolean } | undefined);
  const afterBig = (guest?.steps.afterBig as { memory?: Memory } | undefined)?.memory;
  const afterSmall = (guest?.steps.afterSmall as { memory?: Memory } | undefined)?.memory;
  const backend = cfg === undefined ? '?' : cfg.ipvsArgs.length > 0 ? `\`${cfg.ipvsArgs.join(' ')}\`` : 'its default (ipvsadm; this build has no `--ipvs`)';

  const rows: Row[] = [];
  rows.push(rolloutRow(`load ${n} (NAT) into an empty director, agent side`, load, 'agentMs', 'keepalived start → full table', keepalivedLoad, 0.1, '≤ 0.1× keepalived'));
  rows.push(rolloutRow(`load ${n}, end to end (\`lvsctl rollout\`, mutual TLS)`, load, 'wallMs', 'keepalived', keepalivedLoad, 0.1, '≤ 0.1× keepalived'));
  {
    const r = rolloutRatio(load, 'agentMs', ipvsadmRestore);
    rows.push({ figure: `load ${n}, agent side, against \`ipvsadm -R\``, lvsctl: rolloutCell(load, 'agentMs'), baseline: `\`ipvsadm -R\` ${seconds(ipvsadmRestore)}`, ratio: r.text, target: '—', met: '—' });
  }
  rows.push(rolloutRow(`one weight changed in that table, agent side (median of ${SMALL_CHANGE_RUNS})`, weight, 'agentMs', `keepalived SIGHUP reload (median of ${SMALL_CHANGE_RUNS})`, keepalivedReload, 0.25, '≤ 0.25× keepalived reload'));
  rows.push(rolloutRow(`one weight changed, end to end (median of ${SMALL_CHANGE_RUNS})`, weight, 'wallMs', 'keepalived reload', keepalivedReload, 0.25, '≤ 0.25× keepalived reload'));
  rows.push(rolloutRow(`no-op rollout of that table, agent side (median of ${SMALL_CHANGE_RUNS})`, noop, 'agentMs', 'keepalived reload', keepalivedReload, 0.25, '≤ 0.25× that reload'));
  rows.push(rolloutRow(`no-op rollout, end to end (median of ${SMALL_CHANGE_RUNS})`, noop, 'wallMs', 'keepalived reload', keepalivedReload, 0.25, '≤ 0.25× that reload'));
  const netlink = reading('netlink dump');
  for (const base of ['ipvsadm -S -n', 'cat /proc/net/ip_vs']) {
    const b = reading(base);
    rows.push({
      figure: `read the ${n} table: netlink dump (median of 3)`,
      lvsctl: netlink !== undefined ? seconds(netlink) : 'not in this build (no netlink backend)',
      baseline: `\`${base}\` ${seconds(b)}`,
      ratio: netlink !== undefined && b !== undefined ? ratioText(netlink / b) : '—',
      target: '—',
      met: '—',
    });
  }
  const samples = hello?.samples ?? [];
  const maxHello = samples.length > 0 ? Math.max(...samples.map((s) => s.ms)) : undefined;
  // the call in flight when the probe stopped, under 1 s so far, has broken no promise yet
  const cutShort = samples.filter((s) => !s.ok && s.error === PROBE_STOPPED && s.ms <= 1000).length;
  const unanswered = samples.filter((s) => !s.ok).length - cutShort;
  const slow = samples.filter((s) => s.ms > 1000).length;
  const bigLoaded = done(bigRun);
  rows.push({ figure: `load ${big}, agent side`, lvsctl: rolloutCell(bigRun, 'agentMs'), baseline: '—', ratio: '—', target: 'loads', met: bigRun === undefined ? 'not run' : bigLoaded ? '**met**' : '**missed**: did not load' });
  rows.push({ figure: `load ${big}, end to end`, lvsctl: rolloutCell(bigRun, 'wallMs'), baseline: '—', ratio: '—', target: 'loads', met: bigRun === undefined ? 'not run' : bigLoaded ? '**met**' : '**missed**' });
  rows.push({
    figure: `longest Hello during the ${big} load (one every 100 ms, another process)`,
    lvsctl: maxHello === undefined ? 'not measured' : `${seconds(maxHello)} (${samples.length} calls, ${unanswered} unanswered, ${slow} over 1 s${cutShort > 0 ? `, ${cutShort} in flight under 1 s when the probe stopped` : ''})`,
    baseline: '—', ratio: '—',
    target: 'the agent keeps answering (read here: every Hello answered within 1 s)',
    met: maxHello === undefined ? 'not measured'
      : !bigLoaded ? '**missed**: the load it was to run beside did not happen (above)'
        : unanswered === 0 && slow === 0 ? '**met**' : `**missed**: ${unanswered} unanswered, longest ${seconds(maxHello)}`,
  });
  const idleKb = idle?.memory?.rssKb;
  // the issue's 60 MB, as bytes (VmRSS counts KiB)
  rows.push({ figure: 'director agent RSS, a few seconds after start (VmRSS)', lvsctl: mib(idleKb), baseline: '—', ratio: '—', target: '—', met: '—' });
  const restKb = atRest?.memory?.rssKb;
  rows.push({ figure: `director agent RSS, idle at rest (VmRSS after ${atRest?.idleS ?? '?'} s idle${atRest?.settled === false ? ', no drop seen by 180 s' : ''})`, lvsctl: mib(restKb), baseline: '—', ratio: '—', target: '≤ 60 MB (57.2 MiB)', met: restKb === undefined ? 'not measured' : verdict((restKb * 1024) / 60e6, 1) });
  if (atRest?.realserverMemory) rows.push({ figure: 'realserver agent RSS, idle at rest (same moment)', lvsctl: mib(atRest.realserverMemory.rssKb), baseline: '—', ratio: '—', target: '—', met: '—' });
  rows.push({ figure: `director agent RSS, peak (VmHWM, ${bigLoaded ? `after the ${big} load` : `its ${big} attempt`})`, lvsctl: mib(afterBig?.hwmKb), baseline: '—', ratio: '—', target: '—', met: '—' });
  const fan = new Map((fanout?.runs ?? []).map((r) => [r.agents, r]));
  const lv = (k: number): number | undefined => median(fan.get(k)?.lvsctlMs ?? []);
  const an = (k: number): number | undefined => median(fan.get(k)?.ansibleMs ?? []);
  for (const k of [...fan.keys()]) {
    const a = lv(k);
    const b = an(k);
    const r = a !== undefined && b !== undefined ? a / b : undefined;
    rows.push({
      figure: `no-op rollout to ${k} realserver agent${k === 1 ? '' : 's'} (this machine)`,
      lvsctl: seconds(a), baseline: `Ansible ${seconds(b)}`, ratio: ratioText(r),
      target: k === 50 ? '≤ 0.2× Ansible' : '—', met: k === 50 ? verdict(r, 0.2) : '—',
    });
  }
  if (fanout?.wide && fanout.wide.lvsctlMs.length > 0) {
    const w = median(fanout.wide.lvsctlMs);
    const a = an(fanout.wide.agents);
    rows.push({ figure: `no-op rollout to ${fanout.wide.agents} agents with \`--parallel ${fanout.wide.parallel}\``, lvsctl: seconds(w), baseline: `Ansible ${seconds(a)}`, ratio: ratioText(w !== undefined && a !== undefined ? w / a : undefined), target: '—', met: '—' });
  }
  if (fan.has(1) && fan.has(100)) {
    const r = (lv(100) ?? NaN) / (lv(1) ?? NaN);
    rows.push({ figure: 'no-op rollout to 100 agents against 1', lvsctl: seconds(lv(100)), baseline: `lvsctl to 1: ${seconds(lv(1))}`, ratio: ratioText(r), target: '< 3× one', met: verdict(r, 3, true) });
  }
  const cli = readJson<CliStartupResults>(join(dir, 'cli.json'));
  for (const f of cli?.figures ?? []) {
    rows.push({ figure: `${f.figure} (this machine; median of ${cli?.pairs ?? '?'} paired runs)`, lvsctl: seconds(f.ms), baseline: `\`${cli?.baseline ?? 'node -e 0'}\` ${seconds(f.baselineMs)}`, ratio: ratioText(f.ratio), target: '≤ 2× node -e 0', met: verdict(f.ratio, 2) });
  }

  // ---- where the time goes
  const where: string[] = [];
  const profiledLoad = done(load) ? rollout(guest, 'profiled-load') : rollout(guest, 'profile-fallback');
  const profiledWhat = done(load) ? `a second ${n} load, profiled, into a fresh agent` : `a ${cfg?.profileServices.toLocaleString('en-US') ?? '?'} × ${cfg?.destinations ?? 10} load on a fresh agent (the ${n} load did not finish, so its profile could not be collected)`;
  const endToEnd = done(load) ? load : profiledLoad;
  if (endToEnd) {
    const rest = endToEnd.wallMs - (endToEnd.agentMs ?? 0) - (endToEnd.realserverMs ?? 0);
    const underProfiler = done(load) && profiledLoad ? ` Under the profiler, ${profiledWhat} took ${seconds(profiledLoad.wallMs)} end to end, the agent's apply ${seconds(profiledLoad.agentMs)}.` : '';
    where.push(`**End to end, ${done(load) ? `the ${n} load above` : profiledWhat}**: ${seconds(endToEnd.wallMs)} in all; the director agent's apply ${seconds(endToEnd.agentMs)}, the realserver's verify ${seconds(endToEnd.realserverMs)}, the rest (${seconds(rest)}) in the controller (load, validate, compile, encode, connect, the report) and on the wire.${underProfiler}`);
    if (endToEnd.endToEnd) where.push(endToEndTable(endToEnd.endToEnd));
  }
  // the agent's own account of each apply, part by part (its "director apply finished" line)
  // the figures' own runs, then their profiled repeats: the difference is what the sampler cost
  const phaseRows = ([
    ['load', load], [`one weight changed (the median of ${SMALL_CHANGE_RUNS})`, weight], [`no-op (the median of ${SMALL_CHANGE_RUNS})`, noop],
    ['load, profiled (a fresh agent)', profiledLoad], ['the weight set back, profiled', rollout(guest, 'profiled-weight')], ['no-op, profiled', rollout(guest, 'profiled-noop')],
  ] as const)
    .flatMap(([what, f]) => (f?.agentPhasesMs ? [`| ${what} | ${seconds(f.agentMs)}${f.agentGcMs !== undefined ? ` (collector ${seconds(f.agentGcMs)})` : ''} | ${Object.entries(f.agentPhasesMs).filter(([, ms]) => ms >= 1).map(([phase, ms]) => `${phase} ${seconds(ms)}${faultsText(f.agentPageFaults?.[phase])}`).join(', ')} | ${seconds((f.agentMs ?? NaN) - partsWallMs(f.agentPhasesMs))} | ${Object.entries(f.agentIpvsReads ?? {}).map(([which, r]) => `${which}: ${r.kind}${r.servicesReadAgain ? `, ${r.servicesReadAgain} read again` : ''}${r.servicesFromListing ? `, ${r.servicesFromListing} from the listing` : ''}`).join('; ') || '—'} |`] : []));
  if (phaseRows.length > 0) {
    where.push(['**The director agent\'s apply, part by part** (its `director apply finished` log line, `phasesMs`, and beside each part its minor page faults, `pageFaults`, where it took any; the agent side above also holds the request\'s hand-over before, and after them the last-plan file (`lastPlan`) and the health hand-over (`healthHandOver`), with the generation\'s record (`generation`) written meanwhile, from the applier\'s result on, all before the result is sent (so the parts\' wall time counts the generation only where it outlasts the other two); beside the agent side, the time V8\'s collector ran within it, in whichever parts it fell, from the agent\'s `apply finished` line, `gcMs`):', '', '| apply | agent side | parts | outside the parts | IPVS table read |', '|---|---|---|---|---|', ...phaseRows].join('\n'));
    const faultLine = pageFaultLine(guest?.steps['page-fault'] as PageFaultFigure | undefined, load);
    if (faultLine) where.push(faultLine);
    const collections = idleCollectionLine(
      (guest?.steps.afterSmall as { idleCollections?: IdleCollection[] } | undefined)?.idleCollections,
      (guest?.steps.afterBig as { idleCollections?: IdleCollection[] } | undefined)?.idleCollections, n, big);
    if (collections) where.push(collections);
  }
  const agentCapture = readJson<ProfileCapture>(join(dir, 'profile-agent.json'));
  const controllerCapture = readJson<ProfileCapture>(join(dir, 'profile-controller.json'));
  if (agentCapture) where.push(profileSection(`The director agent during ${profiledWhat}`, summarizeProfile(agentCapture), 10));
  else where.push('The director agent wrote no profile in this run.');
  if (controllerCapture) where.push(profileSection(`The controller (\`lvsctl rollout\`, in the guest driver's process) during ${profiledWhat}`, summarizeProfile(controllerCapture), 8));
  for (const [file, what] of [['profile-agent-weight.json', 'the profiled rollout that set the weight back'], ['profile-agent-noop.json', 'the profiled no-op rollout']] as const) {
    const capture = readJson<ProfileCapture>(join(dir, file));
    if (capture) where.push(profileSection(`The director agent during ${what}`, summarizeProfile(capture), 12));
  }
  if (hello && samples.length > 0) {
    const worst = [...samples].sort((a, b) => b.ms - a.ms)[0];
    where.push(`**Hello during the ${big} load**: ${samples.length} calls over one channel; the longest ${seconds(maxHello)}${worst?.ok === false ? ` (${worst.error ?? 'unanswered'})` : ''}. A Hello waits while the agent's event loop is busy with table-sized work that does not yield.`);
  }
  const fanoutProfile = readJson<ProfileCapture>(join(dir, 'profile-fanout-controller.json'));
  if (fanoutProfile) {
    const verify = fanout?.agentVerifyMs;
    where.push(`**Fan-out to ${fanout?.wide?.agents ?? '?'} agents**: one more run under \`node --cpu-prof\` took ${seconds(fanout?.profiledMs)}${verify ? `; each agent's own verify (its log lines) took ${seconds(verify.median)} (median), ${seconds(verify.max)} at most` : ''}.`);
    where.push(profileSection('The controller (`lvsctl rollout`, its own process) in that run', summarizeProfile(fanoutProfile), 10));
  }
  const fanoutAgentsProfile = readJson<ProfileCapture>(join(dir, 'profile-fanout-agents.json'));
  const profiledAgents = fanout?.profiledAgents;
  if (fanoutAgentsProfile && profiledAgents && profiledAgents.names.length > 0 && profiledAgents.rollouts > 0) {
    const { names, rollouts, failed } = profiledAgents;
    const summary = summarizeProfile(fanoutAgentsProfile);
    const failedNote = failed ? `, ${failed} of which failed` : '';
    where.push(profileSection(
      `The realserver agents' side: ${names.length} of them (${names[0]} to ${names[names.length - 1]}, a rollout's first wave) profiled together through ${rollouts} more rollouts to all ${fanout?.wide?.agents ?? '?'}${failedNote}, ${seconds(summary.busyMs / names.length / rollouts)} busy per agent and rollout (${fanout?.selfCheckInterval !== undefined ? 'no periodic self-check round between the rollouts' : 'with their self-checks between the rollouts'}; a sample every ${fanoutAgentsProfile.samplingIntervalUs} µs, each counted as that long: with the machine's ${coresText(fanout)} shared by all the agents and the controller, the time between two samples also holds the wait for a core)`,
      busyShares(summary), 12, true));
  }
  const cpuRows = (fanout?.runs ?? []).flatMap((r) => (r.cpu ? [`| ${r.agents} | ${seconds(median(r.lvsctlMs))} | ${seconds(r.cpu.controllerMs)} | ${seconds(r.cpu.agentsMs)} | ${Math.round(r.cpu.machineIdle * 100)} % |`] : []));
  if (cpuRows.length > 0) {
    where.push([
      `**Fan-out, whose CPU** (bench/cpu-accounting.ts, medians of the timed runs): the agents share this machine's ${coresText(fanout)} with the controller, so past a few agents the wall time is their CPU and the controller's together.${fanout?.agentsIdleCpuMsPerS !== undefined ? ` With nothing asked of them the ${fanout.wide?.agents ?? ''} agents together use ${Math.round(fanout.agentsIdleCpuMsPerS)} ms of CPU a second (${fanout.selfCheckInterval !== undefined ? 'their timers: the periodic self-check round is held off, as "What is measured" says' : 'their self-checks'}).` : ''}`,
      '',
      '| agents | wall | controller CPU | agents\' CPU | machine idle |',
      '|---|---|---|---|---|',
      ...cpuRows,
    ].join('\n'));
  }
  const validateProfile = readJson<ProfileCapture>(join(dir, 'profile-cli-validate.json'));
  if (validateProfile && cli?.validateProfiledRuns) {
    const summary = summarizeProfile(validateProfile);
    where.push(profileSection(
      `\`lvsctl validate\` of examples/nat.json, from dist/ by node, ${cli.validateProfiledRuns} runs under \`node --cpu-prof\` (a sample every ${validateProfile.samplingIntervalUs} µs), merged: ${seconds(summary.busyMs / cli.validateProfiledRuns)} a run once node has started (node's own start-up before it, the \`node -e 0\` baseline, is not in the profile; the packaged executable takes no node options: it runs the same modules from one embedded script)`,
      busyShares(summary), 12, true));
  }
  if (fanout?.cliStartMs !== undefined) {
    where.push(`**Fan-out**: on this machine \`lvsctl --version\` takes ${seconds(fanout.cliStartMs)} (\`node -e 0\` ${seconds(fanout.nodeStartMs)}): that much of every rollout figure is the process starting and loading its modules, before any agent is asked. With ${fanout.parallel} agents at a time (\`--parallel\`, its default) the rest grows with the number of waves.`);
  }

  const problems = [...(guest?.errors ?? []).map((e) => `guest step \`${e.step}\`: ${e.message.split('\n')[0]?.slice(0, 300)}`), ...(fanout?.errors ?? []).map((e) => `fan-out: ${e.split('\n')[0]?.slice(0, 300)}`)];
  const notes = [...(guest?.notes ?? []), ...(fanout?.notes ?? []), ...(cli?.notes ?? [])];
  const md = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench\` (\`bench/run.sh\`) on ${new Date().toISOString().slice(0, 10)}; do not edit by hand. Every lvsctl figure stands beside a baseline measured in the same run (same guest boot, same machine, minutes apart), and only the ratio means anything: the lab kernel is user-mode Linux, where every system call is slow, and the machine is shared. Timing is never a pass/fail test.`,
    '',
    `Run: ${Number.isFinite(totalS) ? `${Math.round(totalS)} s in all` : 'time not recorded'}${labStatus !== '' && labStatus !== '0' ? `; the guest's boot ended with status ${labStatus}` : ''}. Guest: ${guest?.meta?.kernel ?? '?'} (UML), ${guest?.meta?.ipvsadm ?? ''}, ${guest?.meta?.keepalived ?? ''}, node ${guest?.meta?.node ?? '?'}. Director agent IPVS backend: ${backend}; V8's optimizing compiler: ${guest?.meta?.optimizingCompiler ?? 'not said by the agent'}${guest?.meta?.agentNodeOptions ? `; node options added for this trial (BENCH_AGENT_NODE_OPTIONS): \`${guest.meta.agentNodeOptions}\`` : ''}. Fan-out: ${fanout?.ansibleVersion ?? 'not run'}, forks ${fanout?.forks ?? '?'}; lvsctl \`--parallel ${fanout?.parallel ?? '?'}\`; lvsctl medians of ${fanout?.repeats ?? '?'} runs, Ansible ${fanout?.ansibleRepeats ?? '?'}.`,
    '',
    table(rows),
    '',
    ...(problems.length > 0 ? ['What did not go to plan in this run:', '', ...problems.map((p) => `- ${p.replace(/\n/g, ' ')}`), ''] : []),
    ...(notes.length > 0 ? ['Notes:', '', ...notes.map((p) => `- ${p}`), ''] : []),
    '## What is measured',
    '',
    `- **The table**: ${n} LVS-NAT services (tcp VIP:80, wlc, VIPs 10.100.x.y), each with ${cfg?.destinations ?? 10} destinations: one realserver host at ports 8001…, so every destination is its own IPVS entry as with ${cfg?.destinations ?? 10} hosts, with one realserver agent instead of ${cfg?.destinations ?? 10} (a node process costs seconds in the guest). A realserver host serves at most 10,000 of them, so the 20,000-service table has two realserver agents verifying beside the director: web1 (10.0.0.11) the first 10,000, web2 (10.0.0.12) the next. The realserver agents run with \`--self-check-interval 60m\`: they verify at every rollout as always, but their own periodic round (every 10 s by default, a few hundred ms of the guest's one CPU for 2,000 services) would otherwise land at random in the director's and keepalived's figures; at a site it runs on the realserver. The same table is the plan (\`bench/table.ts\`), the \`ipvsadm -R\` batch and the keepalived.conf; each load is checked by counting \`/proc/net/ip_vs\`.`,
    '- **lvsctl, agent side**: from the director agent\'s own `apply started` to its `apply finished` log line (winston timestamps, ms); the agent logs `apply started` once it has decoded the request (docs/rollout.md, "Where the time goes"), so the decode of the plan counts in the end to end, not in the agent side (that line\'s `decodeMs` says how long the decode took, `decodeCpuMs` and `decodePageFaults` what CPU and fresh memory it used). **End to end**: the wall time of `lvsctl rollout PLAN` with mutual TLS, hello to both agents, the realserver verified, the director applied and read back, the report printed; run in the guest driver\'s node process (a new node process costs 5–20 s in UML and would measure node, not lvsctl; the fan-out below runs the real binary).',
    `- **keepalived** (Debian's, \`--check\`, no checkers: every real server taken as up): from its start to its log line for the last virtual server (\`Gained quorum … for VS [last VIP]\`, read as it comes through \`stdbuf -oL\`), then the whole table checked in \`/proc/net/ip_vs\` and by \`ipvsadm -S -n\`; the reload from \`SIGHUP\` (one weight changed in its configuration) to its \`Reload complete\` line, then that weight checked; ${SMALL_CHANGE_RUNS} reloads (the weight changed, set back, changed again, …), the median, as lvsctl's ${SMALL_CHANGE_RUNS} one-weight rollouts (each figure alone moved by half between runs on this shared machine)${(guest?.steps['keepalived-reload'] as { runsMs?: number[] } | undefined)?.runsMs ? ` (here ${((guest?.steps['keepalived-reload'] as { runsMs: number[] }).runsMs).map((m) => seconds(m)).join(', ')}; lvsctl agent side ${smallChangeRuns.map((k) => seconds(rollout(guest, `lvsctl-weight-${k}`)?.agentMs)).join(', ')})` : ''}. (Polling \`/proc/net/ip_vs\` instead would take the guest's one CPU from keepalived.) Here: load by ${(guest?.steps['keepalived-load'] as { method?: string } | undefined)?.method ?? '?'}; reload by ${(guest?.steps['keepalived-reload'] as { method?: string } | undefined)?.method ?? '?'}. **ipvsadm -R**: the batch of the same table, one process.`,
    '- **Reading**: each reader three times on the loaded table, the median: the agent\'s netlink dump (loaded from `dist/agent/kernel/linux/netlink-ipvs.js` when the build has it), `ipvsadm -S -n`, `cat /proc/net/ip_vs` (processes, as a shell would run them).',
    `- **${big}**: into a fresh director agent, bounded by what is left of the guest's budget; a separate process (\`bench/hello-probe.ts\`, the project's own client) asks that agent Hello every 100 ms over one channel, from before the rollout to 3 s after it (past the agent's collection once idle), and keeps every latency; a call still unanswered at the end counts with its wait so far (one under 1 s then has missed nothing yet, and is named apart).`,
    '- **Page faults**: the director agent counts its minor page faults (getrusage) in each part of an apply and logs them beside the part\'s time (`pageFaults`); the guest driver times 32 MiB of fresh memory written once, in its own process, for what one costs in this guest.',
    '- **RSS**: `/proc/PID/status` of the director agent (the agent run from `dist/` by node, as the lab runs it, from its bundle `dist/agent-bundle/` when that is fresh: docs/architecture.md, "Memory at rest"): VmRSS a few seconds after it started, and again at rest, the figure the target is read against: after the baselines, from 60 s after its start a sample every 5 s until it has dropped 5 % below the highest and three in a row agree within 1 % (V8\'s memory reducer gives back the start-up memory only after a while idle: in the guest 65 to 90 s after the start, after a minute flat; the row says how long it had been idle, or that no drop came by 180 s); VmHWM after its last load.',
    '- **Fan-out** (this machine, no IPVS needed): inside `unshare --net` (it starts with nothing but lo; the fan-out refuses any other namespace and wires nothing out of it), 100 `lvsctl-agent --role realserver` processes with mutual TLS at 10.9.1.1–100, ' + fanoutLayoutText(fanout?.layout) + ' For N = 1, 10, 50, 100: the real `lvsctl rollout --limit rs001,…` (a no-op: the realservers are as planned) against `ansible-playbook` of one `ansible.builtin.ping` task over N hosts with `ansible_connection=local`, `gather_facts: false`, forks 10; one warm-up run first.' +
      (fanout?.selfCheckInterval !== undefined ? ` Each agent runs with \`--self-check-interval ${fanout.selfCheckInterval}\`: it verifies at every rollout as always, but its periodic round (every 10 s by default) runs at a site on its own host, while here a hundred agents' rounds would land at random on the cores the controller runs on.` : ''),
    '- **The CLI\'s start-up** (this machine, `bench/cli-startup.ts`): `lvsctl --help` and `lvsctl validate examples/nat.json`, each from `dist/` by node (as npm and the lab run it) and as the packaged single executable (`npm run package`, the .deb\'s `/usr/bin/lvsctl`, built by the bench first), against `node -e 0`: one warm-up of each, then 11 pairs run in turn, the ratio taken pair by pair and its median kept; then `validate` from `dist/` five more times under `node --cpu-prof` (100 µs), the profiles merged, for where its time goes.',
    '- **Profiles**: a hook preloaded into the director agent (`bench/agent-hook.ts`, `NODE_OPTIONS=--require`) starts and stops V8\'s sampling profiler (2 ms) on SIGUSR2 and times each tool the agent runs; the controller is profiled in process the same way. The figures are taken with no profiler running; the load (into a fresh agent), a one-weight change (the weight set back) and a no-op are then run again profiled, and their agent-side times stand in the parts table beside the figures\' own (in the guest each sample is a signal through the user-mode kernel: the difference is what the sampler costs). The 20,000 load is not profiled. The agent runs from its bundle, a few long lines; each of its frames is put back at its `dist/` file and line by the source map built beside the bundle (`bench/bundle-source-map.ts`). In the fan-out, the controller runs once more under `node --cpu-prof`, and the first 10 realserver agents, started with the same hook, are profiled together (1 ms; without the hook\'s timing of the event loop, a 20 ms timer that would outweigh their own work) through three more rollouts to all of them: their samples merged into one profile (`bench/profile-merge.ts`), each sample counted as one interval, and the shares taken of their time on the CPU.',
    '',
    '## Where the time goes',
    '',
    ...where.flatMap((w) => [w, '']),
    '## How to run',
    '',
    '```',
    'npm run bench          # bench/run.sh: install-deps, build, one guest boot, the fan-out, this file',
    '```',
    '',
    'As root (the fan-out needs `unshare --net`; `scripts/install-deps.sh` installs keepalived and ansible-core). Knobs (environment): `BENCH_SERVICES` (2000), `BENCH_DESTINATIONS` (10), `BENCH_BIG` (20000; 0 skips it), `BENCH_FANOUT` (`1,10,50,100`), `BENCH_CLI` (`none` skips the CLI\'s start-up against `node -e 0` and the packaged build it needs), `BENCH_REPEATS` (3), `BENCH_ANSIBLE_REPEATS` (1), `BENCH_LOAD_BUDGET_S` (240: the 2,000 load\'s `--deadline`), `BENCH_GUEST_BUDGET_S` (660), `BENCH_IPVS` (`detect`: `--ipvs netlink` once `lvsctl-agent --help` offers it; `default` or `netlink` to force), `LAB_ID` (bench: the run directory `.lab/runs/$LAB_ID`), `LAB_MEM_MB` (2048), `BENCH_PROFILE` (`0`: no profiled repeats), `BENCH_REST_S` (0: seconds the director agent stays idle after its start before lvsctl\'s load; in a trial without baselines, 150 loads into an agent at rest, as the full run does). `BENCH_AGENT_NODE_OPTIONS` (empty: node options added to the director agent\'s `NODE_OPTIONS`, for a trial of V8\'s flags, such as `--max-semi-space-size=2`; the report\'s first lines name them). `BENCH_OUT` writes elsewhere than docs/benchmarks.md (for trial runs at small sizes). `BENCH_SKIP_BASELINES=1` measures lvsctl alone (no `ipvsadm -R`, readers, keepalived or RSS at rest: their rows say not measured), with `BENCH_FANOUT=none`, `BENCH_CLI=none` and `BENCH_BIG=0` a trial of a few minutes. Raw results, logs and profiles (`.cpuprofile` inside `profile-*.json`) stay in `.lab/bench/`.',
    '',
  ].join('\n');
  writeFileSync(out, md);
  process.stdout.write(`bench: wrote ${out}\n`);
  if (!existsSync(join(dir, 'guest.json'))) process.stdout.write('bench: no guest results: the lab did not run\n');
}

main();

/** " (3,100 page faults)" beside a part that took any */
function faultsText(faults: number | undefined): string {
  return faults !== undefined && faults > 0 ? ` (${faults.toLocaleString('en-US')} page fault${faults === 1 ? '' : 's'})` : '';
}

/**
 * The director's full collections once idle after an apply (agent/idle-collect.ts): never
 * inside an apply's agent side (the agent holds them from a plan's arrival to its apply's
 * end), but one may fall inside the next rollout's end to end, before its plan arrives.
 */
function idleCollectionLine(small: readonly IdleCollection[] | undefined, big: readonly IdleCollection[] | undefined, smallName: string, bigName: string): string | undefined {
  if (!small && !big) return undefined;
  const one = (c: IdleCollection): string => `${seconds(c.ms)} (heap ${c.heapBeforeMiB} → ${c.heapAfterMiB} MiB)`;
  const parts: string[] = [];
  if (small?.length) {
    const [afterLoad, ...later] = small;
    parts.push(`after the ${smallName} load ${one(afterLoad)}`);
    if (later.length > 0) parts.push(`${later.length} more after the later applies, ${seconds(Math.min(...later.map((c) => c.ms)))}–${seconds(Math.max(...later.map((c) => c.ms)))}`);
  } else if (small) parts.push(`none after the ${smallName} load (the agent could not collect, or the heap did not grow enough)`);
  if (big?.length) parts.push(`after the ${bigName} load ${one(big[0])}`);
  return `**Collections once idle** (the director's \`collected while idle\` lines: one full collection a second after an apply that grew the heap by 2 MiB or more, so that the next apply does not pay for this one's garbage; outside every agent-side figure above, as the agent holds them from a plan's arrival to its apply's end, though one may fall in the next rollout's end to end; within the Hello probe's span at ${bigName}): ${parts.join('; ')}.`;
}

/**
 * What a page fault costs in this guest (bench/guest.ts pageFaultCost), and what the load's
 * faults come to at that cost: in the user-mode kernel they are a large share of the apply.
 */
function pageFaultLine(cost: PageFaultFigure | undefined, load: RolloutFigure | undefined): string | undefined {
  if (!cost || cost.faults <= 0) return undefined;
  const usEach = (cost.ms * 1000) / cost.faults;
  const loadFaults = load?.agentPageFaults ? Object.values(load.agentPageFaults).reduce((sum, n) => sum + n, 0) : undefined;
  const share = loadFaults !== undefined && load?.agentMs
    ? ` The load's apply took ${loadFaults.toLocaleString('en-US')} of them: about ${seconds((loadFaults * usEach) / 1000)} of its ${seconds(load.agentMs)} at that cost (fresh heap as it grows, and memory the collector gave back and the next allocation maps again).`
    : '';
  return `**Page faults**: in this guest one minor page fault (a page of memory touched for the first time) costs ${usEach.toFixed(0)} µs: ${(cost.bytes / 1024 / 1024).toFixed(0)} MiB of fresh memory written once took ${cost.faults.toLocaleString('en-US')} faults in ${seconds(cost.ms)} (the user-mode kernel handles each as a round trip through the host; a host kernel takes about a microsecond).${share}`;
}

/** The rollout step by step (bench/end-to-end.ts): each step's time and its share of the whole. */
function endToEndTable(steps: readonly EndToEndStep[]): string {
  const whole = steps.reduce((sum, step) => sum + step.ms, 0);
  const rows = steps.map((step) => `| ${step.what} | ${seconds(step.ms)} | ${whole > 0 ? Math.round((100 * step.ms) / whole) : 0} % | ${step.note ?? ''} |`);
  return [
    `**The same rollout, step by step** (${seconds(whole)} from the controller's first trace mark to its report: its \`LVSCTL_TRACE\` marks lined up with the director agent's log lines on the guest's one clock; the guest has one CPU, so a step also holds whatever else ran then, and the decode's CPU and page faults come from its \`apply started\` line):`,
    '',
    '| step | time | of the whole | note |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}
