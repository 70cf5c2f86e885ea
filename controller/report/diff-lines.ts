// Before/after of one managed table as changed lines. The tables an agent shows
// (`ipvsadm -S -n`, the mark chain, the realserver's settings) are sets of lines whose
// order carries no meaning, so a multiset difference says what changed without an
// O(n·m) sequence diff over tables of thousands of lines.

export interface LineDiff {
  removed: string[];
  added: string[];
  unchanged: number;
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '');
}

export function diffLines(before: string, after: string): LineDiff {
  const remaining = new Map<string, number>();
  for (const line of lines(before)) remaining.set(line, (remaining.get(line) ?? 0) + 1);
  const added: string[] = [];
  let unchanged = 0;
  for (const line of lines(after)) {
    const count = remaining.get(line) ?? 0;
    if (count > 0) {
      remaining.set(line, count - 1);
      unchanged++;
    } else {
      added.push(line);
    }
  }
  const removed: string[] = [];
  for (const line of lines(before)) {
    const count = remaining.get(line) ?? 0;
    if (count > 0) {
      remaining.set(line, count - 1);
      removed.push(line);
    }
  }
  return { removed, added, unchanged };
}
