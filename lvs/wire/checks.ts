// Small checks for fields that arrive over the wire: each names the field's path and the
// expected shape, so an INVALID_ARGUMENT tells the sender exactly what to fix.
import { isIP } from 'net';

/** A field of an incoming message that is not acceptable. */
export class WireFieldError extends Error {
  constructor(readonly path: string, readonly problem: string) {
    super(`${path}: ${problem}`);
  }
}

export function fail(path: string, problem: string): never {
  throw new WireFieldError(path, problem);
}

/** "services[3].name" from "services[3]" and "name"; "name" from "" and "name". */
export function at(parent: string, field: string | number): string {
  if (typeof field === 'number') return `${parent}[${field}]`;
  return parent ? `${parent}.${field}` : field;
}

export function intIn(value: unknown, min: number, max: number, path: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(path, `must be ${min}..${max}`);
  }
  return value;
}

/** A uint64 that arrives as a decimal string (proto-loader longs: String). */
export function safeIntegerFromString(value: unknown, path: string): number {
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

export function boundedString(value: unknown, path: string, rule: StringRule): string {
  const min = rule.min ?? 1;
  if (typeof value !== 'string') fail(path, 'must be a string');
  if (value.length < min) fail(path, min === 1 ? 'must not be empty' : `must have at least ${min} characters`);
  if (value.length > rule.max) fail(path, `must have at most ${rule.max} characters (has ${value.length})`);
  if (value.includes('\0')) fail(path, 'must not contain a NUL character');
  if (rule.pattern && !rule.pattern.test(value)) fail(path, `must be ${rule.shape ?? `a string matching ${rule.pattern}`}`);
  return value;
}

/** An empty string means "absent" in proto3; anything else must pass the rule. */
export function optionalString(value: unknown, path: string, rule: StringRule): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return boundedString(value, path, rule);
}

export function ipAddress(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.length > 45 || isIP(value) === 0) {
    fail(path, 'must be an IPv4 or IPv6 address, e.g. "10.0.0.100" or "2001:db8::100"');
  }
  return value;
}

/** Maps a wire enum name to a domain value; UNSPECIFIED and unknown numbers are refused. */
export function enumValue<T>(value: unknown, names: Readonly<Record<string, T>>, path: string): T {
  if (typeof value === 'string' && Object.prototype.hasOwnProperty.call(names, value)) return names[value];
  fail(path, `must be one of ${Object.keys(names).join(', ')} (got ${JSON.stringify(value)})`);
}

export function oneOf<T extends string>(value: unknown, allowed: readonly T[], path: string): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  fail(path, `must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`);
}

/** A repeated field, bounded so a hostile message cannot make the agent loop for ever. */
export function boundedList(value: unknown, path: string, max: number, min = 0): unknown[] {
  const items = value ?? [];
  if (!Array.isArray(items)) fail(path, 'must be a list');
  if (items.length < min) fail(path, `must have at least ${min} entr${min === 1 ? 'y' : 'ies'}`);
  if (items.length > max) fail(path, `must have at most ${max} entries (has ${items.length})`);
  return items;
}

export function present<T>(value: T | null | undefined, path: string, what: string): T {
  if (value === null || value === undefined) fail(path, `is missing: ${what}`);
  return value;
}

export function bool(value: unknown, path: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') fail(path, 'must be true or false');
  return value;
}
