// Several processes' CPU profiles as one: the fan-out profiles a few realserver agents
// through the same rollout, each for a few milliseconds of work, too few samples alone to
// say where an agent's time goes. Pure.
import type { ProfileCapture } from './profiler';

interface MergedNode {
  id: number;
  children?: number[];
}

interface Profile {
  nodes: MergedNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/**
 * The capture with every sample worth one sampling interval, whatever time passed since the
 * one before. On a machine whose cores are shared by more processes than it has, a process
 * waits for a core between two samples, and the profile's own time deltas charge that wait to
 * whatever it ran next (a collection that took a few samples showed as seconds); counted in
 * samples, the times are what it ran on a core, near enough.
 */
export function bySampleCount(capture: ProfileCapture): ProfileCapture {
  const profile = capture.profile as Profile;
  const samples = profile.samples ?? [];
  const interval = capture.samplingIntervalUs;
  return {
    ...capture,
    profile: { ...profile, endTime: profile.startTime + samples.length * interval, timeDeltas: samples.map((_, i) => (i === 0 ? 0 : interval)) },
  };
}

/**
 * One capture holding every sample of `captures`, each profile's node ids moved past the
 * ones before it. Its span is the sum of theirs (shares of it are shares of all their wall
 * time together), and no time is charged across one profile's end to the next's start. The
 * tools they ran are kept; the event-loop stalls are not (their clocks are the processes' own).
 */
export function mergeCaptures(captures: readonly ProfileCapture[]): ProfileCapture {
  if (captures.length === 0) throw new Error('mergeCaptures: no profile to merge');
  const nodes: MergedNode[] = [];
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let span = 0;
  let offset = 0;
  for (const capture of captures) {
    const profile = capture.profile as Profile;
    let maxId = 0;
    for (const node of profile.nodes) {
      maxId = Math.max(maxId, node.id);
      nodes.push({ ...node, id: node.id + offset, ...(node.children ? { children: node.children.map((c) => c + offset) } : {}) });
    }
    const own = profile.samples ?? [];
    const deltas = profile.timeDeltas ?? [];
    own.forEach((id, i) => {
      samples.push(id + offset);
      // the first sample's delta is the time since this profile started: not the last one's of the profile before
      timeDeltas.push(i === 0 ? 0 : (deltas[i] ?? 0));
    });
    span += profile.endTime - profile.startTime;
    offset += maxId;
  }
  return {
    profile: { nodes, startTime: 0, endTime: span, samples, timeDeltas },
    execs: captures.flatMap((c) => c.execs),
    startedAt: Math.min(...captures.map((c) => c.startedAt)),
    stoppedAt: Math.max(...captures.map((c) => c.stoppedAt)),
    samplingIntervalUs: captures[0]?.samplingIntervalUs ?? 0,
  };
}
