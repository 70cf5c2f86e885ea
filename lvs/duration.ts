// Durations as the plan and both command lines write them: "500ms", "10s", "2m".
export const DURATION_PATTERN = /^(\d+)(ms|s|m)$/;

const UNIT_MS = { ms: 1, s: 1000, m: 60_000 } as const;

/** Milliseconds of a duration, or undefined when the text is not one. */
export function durationMs(text: string): number | undefined {
  const m = DURATION_PATTERN.exec(text);
  return m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : undefined;
}
