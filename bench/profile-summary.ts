// Where a profiled process spent its time: a V8 CPU profile (.cpuprofile) folded into self
// time per function and per area (a package, the project's folders, node's internals, idle,
// GC), plus the tools it ran (bench/profiler.ts records each execFile with its duration).
import { remapBundleFrames } from './bundle-source-map';
import type { ExecRecord, ProfileCapture } from './profiler';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber?: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface TimeShare {
  name: string;
  ms: number;
  /** of the profile's whole span */
  share: number;
}

export interface ProfileSummary {
  spanMs: number;
  /** sampled time not idle: the process ran JavaScript, GC or node's own code */
  busyMs: number;
  areas: TimeShare[];
  functions: TimeShare[];
  execs: Array<{ command: string; calls: number; ms: number; inputBytes: number }>;
  /** the longest stalls of the event loop (bench/profiler.ts), each with what ran during it */
  stalls: StallSummary[];
}

export interface StallSummary {
  ms: number;
  /** since the profile started */
  atMs: number;
  /** the project's (and packages') frames on the stack for most of the stall, outermost first, with their share of its samples */
  frames: TimeShare[];
  /** where the samples of the stall were, by self time */
  self: TimeShare[];
}

/** The area a frame belongs to, from its script's path. */
export function areaOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') {
    if (functionName === '(idle)') return '(idle: waiting for I/O or a child process)';
    if (functionName === '(garbage collector)') return '(garbage collector)';
    if (functionName === '(program)') return '(node/V8 native work)';
    if (functionName === '(root)') return '(root)';
    return `(native ${functionName || 'code'})`;
  }
  if (url.startsWith('node:')) return `node ${url.slice(5).split('/')[0] === 'internal' ? url.slice(5).split('/').slice(0, 2).join('/') : url.slice(5)}`;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return `npm ${rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  const shown = shownPath(url);
  if (!shown.startsWith('/')) {
    // the project's own: its top folders (agent/director), compiled (dist/) or as a bundle's map names the source
    const rest = shown.replace(/^dist\//, '').split('/');
    return rest.length > 2 ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  return url;
}

/**
 * A script's path as the report shows it: from node_modules/ for a package, from dist/ for the
 * project as compiled, from the checkout's root for a TypeScript source that a bundle's source
 * map names (bench/bundle-source-map.ts); any other path whole.
 */
function shownPath(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const packageAt = path.lastIndexOf('/node_modules/');
  if (packageAt >= 0) return path.slice(packageAt + 1);
  const distAt = path.lastIndexOf('/dist/');
  if (distAt >= 0) return path.slice(distAt + 1);
  const root = `${process.cwd()}/`;
  return path.startsWith(root) ? path.slice(root.length) : path;
}

function frameName(frame: CallFrame): string {
  return frame.url === '' ? frame.functionName || '(anonymous)' : `${frame.functionName || '(anonymous)'} ${shownPath(frame.url)}:${frame.lineNumber + 1}`;
}

function top(map: Map<string, number>, span: number, n: number): TimeShare[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, ms]) => ({ name, ms, share: span > 0 ? ms / span : 0 }));
}

export function summarizeProfile(capture: ProfileCapture, topFunctions = 12): ProfileSummary {
  const profile = capture.profile as CpuProfile;
  // the agent's bundle: each frame back in its dist/ file and line
  remapBundleFrames(profile.nodes);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const selfUs = new Map<number, number>();
  // timeDeltas[i + 1] is the time from sample i to the next one: charge it to sample i
  for (let i = 0; i < samples.length; i += 1) {
    const id = samples[i] as number;
    const us = deltas[i + 1] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + us);
  }
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const ms = us / 1000;
    const area = areaOf(node.callFrame);
    areas.set(area, (areas.get(area) ?? 0) + ms);
    if (!area.startsWith('(idle') && area !== '(root)') {
      busy += ms;
      const name = frameName(node.callFrame);
      functions.set(name, (functions.get(name) ?? 0) + ms);
    }
  }
  const spanMs = (profile.endTime - profile.startTime) / 1000;
  const execs = new Map<string, { calls: number; ms: number; inputBytes: number }>();
  for (const e of capture.execs as ExecRecord[]) {
    const command = [e.file.replace(/^.*\//, ''), ...e.args.slice(0, 2)].join(' ');
    const entry = execs.get(command) ?? { calls: 0, ms: 0, inputBytes: 0 };
    entry.calls += 1;
    entry.ms += Number.isFinite(e.ms) ? e.ms : 0;
    entry.inputBytes += e.inputBytes ?? 0;
    execs.set(command, entry);
  }
  return {
    spanMs,
    busyMs: busy,
    stalls: stallSummaries(capture, profile, byId),
    areas: top(areas, spanMs, 12),
    functions: top(functions, spanMs, topFunctions),
    execs: [...execs.entries()].map(([command, v]) => ({ command, ...v })).sort((a, b) => b.ms - a.ms),
  };
}

/**
 * The summary without its idle time, every share one of the time on the CPU: for processes
 * that mostly wait (agents between their parts of rollouts), where shares of the whole
 * span would all round to nothing.
 */
export function busyShares(summary: ProfileSummary): ProfileSummary {
  const busy = summary.busyMs;
  const ofBusy = (list: readonly TimeShare[]): TimeShare[] => list
    .filter((t) => !t.name.startsWith('(idle') && t.name !== '(root)')
    .map((t) => ({ ...t, share: busy > 0 ? t.ms / busy : 0 }));
  return { ...summary, spanMs: busy, areas: ofBusy(summary.areas), functions: ofBusy(summary.functions) };
}

/** The five longest stalls, each with the frames its samples ran in. */
function stallSummaries(capture: ProfileCapture, profile: CpuProfile, byId: Map<number, ProfileNode>): StallSummary[] {
  const stalls = [...(capture.stalls ?? [])].sort((a, b) => (b.toUs - b.fromUs) - (a.toUs - a.fromUs)).slice(0, 5);
  if (stalls.length === 0) return [];
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // the profile's clock and the stall recorder's may differ by an offset: both read at the start
  const offsetUs = profile.startTime - (capture.startedAtUs ?? profile.startTime);
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const times: number[] = [];
  let t = profile.startTime;
  for (let i = 0; i < samples.length; i += 1) {
    t += deltas[i] ?? 0;
    times.push(t);
  }
  return stalls.map((stall) => {
    const from = stall.fromUs + offsetUs;
    const to = stall.toUs + offsetUs;
    const inclusive = new Map<string, number>();
    const self = new Map<string, number>();
    let count = 0;
    for (let i = 0; i < samples.length; i += 1) {
      if ((times[i] as number) < from || (times[i] as number) > to) continue;
      count += 1;
      const leaf = byId.get(samples[i] as number);
      if (leaf) self.set(frameName(leaf.callFrame), (self.get(frameName(leaf.callFrame)) ?? 0) + 1);
      const seen = new Set<string>();
      for (let id: number | undefined = samples[i]; id !== undefined; id = parent.get(id)) {
        const node = byId.get(id);
        if (!node || node.callFrame.url === '' || node.callFrame.url.startsWith('node:')) continue;
        const name = frameName(node.callFrame);
        if (!seen.has(name)) inclusive.set(name, (inclusive.get(name) ?? 0) + 1);
        seen.add(name);
      }
    }
    const ms = (stall.toUs - stall.fromUs) / 1000;
    const share = (m: Map<string, number>, n: number, min: number): TimeShare[] => [...m.entries()]
      .filter(([, c]) => c / Math.max(1, count) >= min)
      .sort((a, b) => b[1] - a[1]).slice(0, n)
      .map(([name, c]) => ({ name, ms: (c / Math.max(1, count)) * ms, share: c / Math.max(1, count) }));
    return { ms, atMs: (from - profile.startTime) / 1000, frames: share(inclusive, 8, 0.2), self: share(self, 4, 0) };
  });
}
