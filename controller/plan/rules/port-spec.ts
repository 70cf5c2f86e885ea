// Port specs as iptables takes them ("80", "10000:12000") turned into closed intervals,
// so coverage and overlap are arithmetic rather than string matching.
import { PORT_SPEC_PATTERN } from '../constants';

export interface PortInterval {
  from: number;
  to: number;
}

export const MIN_PORT = 1;
export const MAX_PORT = 65535;
/** iptables multiport takes at most 15 ports, and a range "N:M" uses two of them. */
export const MULTIPORT_SLOTS = 15;

/** The interval of a spec, or undefined when it is not "N" / "N:M" with 1 <= N <= M <= 65535. */
export function parsePortSpec(spec: string): PortInterval | undefined {
  const m = PORT_SPEC_PATTERN.exec(spec);
  if (!m) return undefined;
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  if (from < MIN_PORT || to > MAX_PORT || from > to) return undefined;
  return { from, to };
}

/** Why a spec that matches the pattern is still not a usable port or range. */
export function portSpecError(spec: string): string | undefined {
  const m = PORT_SPEC_PATTERN.exec(spec);
  if (!m) return `"${spec}" is not a port "N" or a range "N:M"`;
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  if (from < MIN_PORT || from > MAX_PORT) return `port ${from} in "${spec}" is outside 1..65535`;
  if (to < MIN_PORT || to > MAX_PORT) return `port ${to} in "${spec}" is outside 1..65535`;
  if (from > to) return `range "${spec}" runs backwards (${from} > ${to})`;
  return undefined;
}

export function multiportSlots(specs: readonly string[]): number {
  return specs.reduce((n, s) => n + (s.includes(':') ? 2 : 1), 0);
}

/** True when the union of `intervals` contains every port of `wanted`. */
export function covers(intervals: readonly PortInterval[], wanted: PortInterval): boolean {
  const sorted = [...intervals].sort((a, b) => a.from - b.from);
  let next = wanted.from; // the lowest port of `wanted` not yet known to be covered
  for (const i of sorted) {
    if (i.from > next) break;
    if (i.to >= next) next = i.to + 1;
    if (next > wanted.to) return true;
  }
  return next > wanted.to;
}

/** The ports of `wanted` that `intervals` leave out, as text: "21", "11000:12000". */
export function uncovered(intervals: readonly PortInterval[], wanted: PortInterval): string[] {
  const sorted = [...intervals].sort((a, b) => a.from - b.from);
  const gaps: string[] = [];
  let next = wanted.from;
  for (const i of sorted) {
    if (next > wanted.to) break;
    if (i.to < next) continue;
    if (i.from > next) gaps.push(formatInterval({ from: next, to: Math.min(i.from - 1, wanted.to) }));
    next = Math.max(next, i.to + 1);
  }
  if (next <= wanted.to) gaps.push(formatInterval({ from: next, to: wanted.to }));
  return gaps;
}

export function formatInterval(i: PortInterval): string {
  return i.from === i.to ? String(i.from) : `${i.from}:${i.to}`;
}
