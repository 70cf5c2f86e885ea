// Durations as the plan and both command lines write them: "500ms", "10s", "2m".
export const DURATION_PATTERN = /^(\d+)(ms|s|m)$/;

const UNIT_MS = { ms: 1, s: 1000, m: 60_000 } as const;

/** Milliseconds of a duration, or undefined when the text is not one. */
export function durationMs(text: string): number | undefined {
  const m = DURATION_PATTERN.exec(text);
  return m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : undefined;
}

/** Inclusive bounds of a duration option, ms. */
export interface DurationBounds {
  min: number;
  max: number;
}

/** Milliseconds of a duration within `bounds`, or undefined when the text is not one or lies outside. */
export function durationWithin(text: string, bounds: DurationBounds): number | undefined {
  const ms = durationMs(text);
  return ms !== undefined && ms >= bounds.min && ms <= bounds.max ? ms : undefined;
}

/** "a duration from 1s to 60m" (from 1ms, below a second): what an option with these bounds must be. */
export function durationBoundsText(bounds: DurationBounds): string {
  const from = bounds.min < 1000 ? `${bounds.min}ms` : `${bounds.min / 1000}s`;
  return `a duration from ${from} to ${bounds.max / 60_000}m`;
}
