// Appending one list to another without a spread call. `target.push(...items)` passes every
// item as an argument on the stack: past about 100,000 of them (the 220,000 ipvsadm lines of
// a 20,000-service table, a keepalived.conf's notes) it throws "Maximum call stack size
// exceeded". test/unit/architecture/spread-calls.test.ts keeps spread calls out of the sources.

/** Pushes every item onto target, in order, and returns target. */
export function appendAll<T>(target: T[], items: Iterable<T>): T[] {
  for (const item of items) target.push(item);
  return target;
}

/** The largest of `values` and `floor` (Math.max(floor, ...values) without the spread). */
export function maxOf(values: Iterable<number>, floor = -Infinity): number {
  let max = floor;
  for (const value of values) if (value > max) max = value;
  return max;
}
