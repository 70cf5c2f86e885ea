// Small checks for fields that arrive over the wire: each names the field's path and the
// expected shape, so an INVALID_ARGUMENT tells the sender exactly what to fix.
import { isIP } from 'net';

/** A field of an incoming message that is not acceptable. */
export class WireFieldError extends Error {
  /** the field's path as text: "services[3].name" */
  readonly path: string;
  constructor(path: FieldPath, readonly problem: string) {
    const text = String(path);
    super(`${text}: ${problem}`);
    this.path = text;
  }
}

export function fail(path: FieldPath, problem: string): never {
  throw new WireFieldError(path, problem);
}

/**
 * Where a field is: "services[3].name". Made into text only when a message names it: a
 * 2,000 × 10 request asks for the path of each of its 200,000 fields and needs none, and
 * building them as strings was a quarter of its decoding (and of its fresh memory).
 */
export type FieldPath = string | NestedFieldPath;

class NestedFieldPath {
  constructor(private readonly parent: FieldPath, private readonly field: string | number) {}

  toString(): string {
    const parent = String(this.parent);
    if (typeof this.field === 'number') return `${parent}[${this.field}]`;
    return parent ? `${parent}.${this.field}` : this.field;
  }
}

/**
 * The path given to a decode that is expected to pass (unnamedFirst): every path below it is
 * this one again, so naming fields costs nothing until one is wrong.
 */
const UNNAMED = new NestedFieldPath('', '(unnamed)');

/** "services[3].name" from "services[3]" and "name"; "name" from "" and "name" (as text: String(at(…))). */
export function at(parent: FieldPath, field: string | number): FieldPath {
  return parent === UNNAMED ? UNNAMED : new NestedFieldPath(parent, field);
}

/**
 * decode(path) of a part of a message that is nearly always right (a service of a plan):
 * first with no paths built at all; only when a check fails is it decoded again with its
 * real path, so the error names the field as before. `decode` must be pure.
 */
export function unnamedFirst<T>(path: FieldPath, decode: (path: FieldPath) => T): T {
  try {
    return decode(UNNAMED);
  } catch (first) {
    if (!(first instanceof WireFieldError)) throw first;
    decode(path); // throws the same check's error, named
    throw first; // unreachable for a pure decode; never a silent pass
  }
}

export function intIn(value: unknown, min: number, max: number, path: FieldPath): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(path, `must be ${min}..${max}`);
  }
  return value;
}

/** A uint64 that arrives as a decimal string (proto-loader longs: String). */
export function safeIntegerFromString(value: unknown, path: FieldPath): number {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^\d{1,16}$/.test(text) || !Number.isSafeInteger(Number(text))) {
    fail(path, `must be an integer 0..${Number.MAX_SAFE_INTEGER}`);
  }
  return Number(text);
}

export interface StringRule {
  /** at most this many characters */
  max: number;
  /** at least this many characters (default 1) */
  min?: number;
  pattern?: RegExp;
  /** what the pattern means, for the message: "a host name of letters, digits, ...", */
  shape?: string;
}

export function boundedString(value: unknown, path: FieldPath, rule: StringRule): string {
  const min = rule.min ?? 1;
  if (typeof value !== 'string') fail(path, 'must be a string');
  if (value.length < min) fail(path, min === 1 ? 'must not be empty' : `must have at least ${min} characters`);
  if (value.length > rule.max) fail(path, `must have at most ${rule.max} characters (has ${value.length})`);
  if (value.includes('\0')) fail(path, 'must not contain a NUL character');
  if (rule.pattern && !rule.pattern.test(value)) fail(path, `must be ${rule.shape ?? `a string matching ${rule.pattern}`}`);
  return value;
}

/** An empty string means "absent" in proto3; anything else must pass the rule. */
export function optionalString(value: unknown, path: FieldPath, rule: StringRule): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return boundedString(value, path, rule);
}

export function ipAddress(value: unknown, path: FieldPath): string {
  if (typeof value !== 'string' || value.length > 45 || isIP(value) === 0) {
    fail(path, 'must be an IPv4 or IPv6 address, e.g. "10.0.0.100" or "2001:db8::100"');
  }
  return value;
}

/** Maps a wire enum name to a domain value; UNSPECIFIED and unknown numbers are refused. */
export function enumValue<T>(value: unknown, names: Readonly<Record<string, T>>, path: FieldPath): T {
  if (typeof value === 'string' && Object.prototype.hasOwnProperty.call(names, value)) return names[value];
  fail(path, `must be one of ${Object.keys(names).join(', ')} (got ${JSON.stringify(value)})`);
}

export function oneOf<T extends string>(value: unknown, allowed: readonly T[], path: FieldPath): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  fail(path, `must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`);
}

/** A repeated field, bounded so a hostile message cannot make the agent loop for ever. */
export function boundedList(value: unknown, path: FieldPath, max: number, min = 0): unknown[] {
  const items = value ?? [];
  if (!Array.isArray(items)) fail(path, 'must be a list');
  if (items.length < min) fail(path, `must have at least ${min} entr${min === 1 ? 'y' : 'ies'}`);
  if (items.length > max) fail(path, `must have at most ${max} entries (has ${items.length})`);
  return items;
}

export function present<T>(value: T | null | undefined, path: FieldPath, what: string): T {
  if (value === null || value === undefined) fail(path, `is missing: ${what}`);
  return value;
}

export function bool(value: unknown, path: FieldPath): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') fail(path, 'must be true or false');
  return value;
}
