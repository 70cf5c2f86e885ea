// A list in a message, cut short: its first few items and how many there are in all, so a
// 20,000-item list makes a readable line ("a, b, c, … 4 in all"). Pure.
export function firstOf(items: readonly string[], max: number, separator = ', ', noun = ''): string {
  const shown = items.slice(0, max).join(separator);
  return items.length > max ? `${shown}${separator}… ${items.length}${noun} in all` : shown;
}
