// Plain aligned columns for the terminal: every column as wide as its widest cell, two
// spaces between, the last column not padded (a long reason does not push the others).
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  // a loop, not Math.max(...cells): a status of 20,000 services has 220,000 rows, past what a spread call takes
  const widths = header.map((cell) => cell.length);
  for (const row of rows) {
    for (let i = 0; i < widths.length; i += 1) widths[i] = Math.max(widths[i] as number, (row[i] ?? '').length);
  }
  return all.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd()).join('\n') + '\n';
}

/** "12:00:01" of a date, in UTC so every operator reads the same time; "-" for none. */
export function clockTime(at: Date | undefined): string {
  return at ? at.toISOString().slice(11, 19) : '-';
}

/** "3s ago", "2m ago", "1h ago" relative to `now`; "never" for none. */
export function ago(at: Date | undefined, now: Date): string {
  if (!at) return 'never';
  const s = Math.max(0, Math.round((now.getTime() - at.getTime()) / 1000));
  if (s < 120) return `${s}s ago`;
  if (s < 7200) return `${Math.round(s / 60)}m ago`;
  return `${Math.round(s / 3600)}h ago`;
}
