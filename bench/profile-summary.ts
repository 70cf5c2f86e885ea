// Where a profiled process spent its time: a V8 CPU profile (.cpuprofile) folded into self
// time per function and per area (a package, the project's folders, node's internals, idle,
// GC), plus the tools it ran (bench/profiler.ts records each execFile with its duration).
import type { ExecRecord, ProfileCapture } from './profiler';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
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
  const dist = url.lastIndexOf('/dist/');
  if (dist >= 0) {
    const rest = url.slice(dist + '/dist/'.length).split('/');
    return rest.length > 2 ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  return url;
}

function frameName(frame: CallFrame): string {
  const file = frame.url === '' ? '' : ` ${frame.url.replace(/^.*\/(dist|node_modules)\//, '$1/').replace(/^file:\/\//, '')}:${frame.lineNumber + 1}`;
  return `${frame.functionName || '(anonymous)'}${file}`;
}

function top(map: Map<string, number>, span: number, n: number): TimeShare[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, ms]) => ({ name, ms, share: span > 0 ? ms / span : 0 }));
}

export function summarizeProfile(capture: ProfileCapture, topFunctions = 12): ProfileSummary {
  const profile = capture.profile as CpuProfile;
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
    areas: top(areas, spanMs, 12),
    functions: top(functions, spanMs, topFunctions),
    execs: [...execs.entries()].map(([command, v]) => ({ command, ...v })).sort((a, b) => b.ms - a.ms),
  };
}
