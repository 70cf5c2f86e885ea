// Where a rollout's end-to-end time goes, step by step: the controller's trace marks
// (LVSCTL_TRACE, controller/cli/rollout-trace.ts) lined up with the director agent's own log
// lines (its "apply started", with the decode before it, and "apply finished"). In the lab
// every process shares the guest's one CPU and clock, so the marks and the log's timestamps
// are on one time line. Pure: bench/guest.ts gathers, bench/report.ts writes.
import type { ApplyWindow } from './proc';

/** One "lvsctl-trace ISO-TIME +Nms WHAT" line of the controller's stderr. */
export interface TraceMark {
  /** ms since the epoch */
  at: number;
  /** what happened, the host last where there is one ("hello answered web1") */
  text: string;
}

/** The trace marks in the text (the controller's stderr), in order; other lines skipped. */
export function traceMarks(stderr: string): TraceMark[] {
  const marks: TraceMark[] = [];
  for (const line of stderr.split('\n')) {
    const m = /^lvsctl-trace (\S+) \+\d+ms (.+)$/.exec(line);
    if (!m) continue;
    const at = Date.parse(m[1]);
    if (Number.isFinite(at)) marks.push({ at, text: m[2] });
  }
  return marks;
}

export interface EndToEndStep {
  what: string;
  ms: number;
  /** what else the step says: CPU and page faults of the decode, what ran meanwhile */
  note?: string;
}

/**
 * A rollout to realservers and one director, step by step, from its first mark to its
 * report; undefined when a mark the steps are cut at is missing (an older controller, a
 * rollout that failed). `window`: the director agent's apply of that rollout. The steps
 * follow one another, so they add up to the whole, from the first mark to the report.
 */
export function endToEndSteps(marks: readonly TraceMark[], director: string, window: ApplyWindow | undefined): EndToEndStep[] | undefined {
  const first = (test: (text: string) => boolean): number | undefined => marks.find((m) => test(m.text))?.at;
  const exactly = (text: string): number | undefined => first((t) => t === text);
  const ofDirector = (pattern: RegExp): number | undefined => first((t) => t.endsWith(` ${director}`) && pattern.test(t.slice(0, -director.length - 1)));
  const start = marks[0]?.at;
  const validated = exactly('plan loaded and validated');
  const connector = exactly('connector made');
  const realserversPhase = exactly('phase realservers');
  const directorsPhase = exactly('phase directors');
  const encoded = ofDirector(/^request encoded \(\d+ bytes\)$/);
  const done = ofDirector(/^apply done \(\d+ events\)$/);
  const reported = exactly('report written');
  const cuts = [start, validated, connector, realserversPhase, directorsPhase, done, reported];
  if (cuts.some((at) => at === undefined) || window?.finishedAt === undefined || window.decode === undefined) return undefined;
  const [t0, tValidated, tConnector, tRealservers, tDirectors, tDone, tReported] = cuts as number[];
  const decodeStart = window.startedAt - window.decode.ms;
  const encodedNote = encoded !== undefined && encoded <= tDirectors ? `the director's request encoded meanwhile, by +${encoded - tRealservers} ms` : undefined;
  const decodeCost = [
    window.decode.cpuMs !== undefined ? `${window.decode.cpuMs} ms of CPU` : '',
    window.decode.pageFaults !== undefined ? `${window.decode.pageFaults.toLocaleString('en-US')} page faults` : '',
  ].filter((s) => s !== '').join(', ');
  return [
    { what: 'the controller loads the plan file and validates it', ms: tValidated - t0 },
    { what: 'resolves addresses, compiles each host\'s plan, makes its connector', ms: tConnector - tValidated },
    { what: 'connects to every agent (mutual TLS) and asks each Hello', ms: tRealservers - tConnector },
    { what: 'the realservers verify', ms: tDirectors - tRealservers, ...(encodedNote ? { note: encodedNote } : {}) },
    { what: 'the director\'s turn comes, its request is sent and taken in', ms: decodeStart - tDirectors },
    { what: 'the director agent decodes and checks the request', ms: window.decode.ms, ...(decodeCost ? { note: decodeCost } : {}) },
    { what: 'the director agent applies (the agent side above)', ms: window.finishedAt - window.startedAt },
    { what: 'its steps and result reach the controller', ms: tDone - window.finishedAt },
    { what: 'the controller writes its report', ms: tReported - tDone },
  ];
}
