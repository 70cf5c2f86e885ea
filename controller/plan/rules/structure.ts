// Rule 1 (structure): zod's issues turned into messages an operator can act on. Each
// names the place by JSON pointer, says what was found, and where it helps, what fits.
import { z } from 'zod';
import { toPointer, type PlanProblem } from '../errors';
import { planSchema } from '../schema';
import { didYouMean } from './closest-name';

type Issue = z.core.$ZodIssue;
type Path = readonly PropertyKey[];

/** Examples shown when a required field is missing, by field name. */
const EXAMPLES: Readonly<Record<string, string>> = {
  apiVersion: '"apiVersion": "lvsctl/v1"',
  cluster: '"cluster": "shop"',
  hosts: '"hosts": { "lvs1": { "role": "director", "address": "10.0.0.1" } }',
  services: '"services": [ { "name": "web", "vip": "10.0.0.100", "port": 80, "realservers": [ { "host": "web1" } ] } ]',
  role: '"role": "director" or "role": "realserver"',
  name: '"name": "web"',
  realservers: '"realservers": [ { "host": "web1" } ]',
  host: '"host": "web1"',
  mark: '"mark": 1',
  protocol: '"protocol": "tcp"',
  destination: '"destination": "10.0.0.100"',
  ports: '"ports": ["80", "443"]',
  timeout: '"timeout": 360',
  type: '"type": "tcp" or "type": "http"',
  passivePorts: '"passivePorts": "10000:12000"',
  server: '"server": "vsftpd"',
  config: '"config": "/etc/vsftpd.conf"',
};

function valueAt(input: unknown, path: Path): { found: boolean; value: unknown } {
  let current: unknown = input;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || !Object.prototype.hasOwnProperty.call(current, key)) {
      return { found: false, value: undefined };
    }
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return { found: true, value: current };
}

/** The schema that describes the value at `path`, looking through optional/default wrappers. */
function schemaAt(path: Path): z.ZodType | undefined {
  let current: z.ZodType | undefined = planSchema;
  for (const key of path) {
    current = unwrap(current);
    if (current instanceof z.ZodObject) current = (current.shape as Record<string, z.ZodType>)[String(key)];
    else if (current instanceof z.ZodArray) current = current.element as z.ZodType;
    else if (current instanceof z.ZodRecord) current = current.valueType as z.ZodType;
    else return undefined;
  }
  return unwrap(current);
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodDefault) current = current.unwrap() as z.ZodType;
  return current;
}

function knownKeys(path: Path): string[] {
  const schema = schemaAt(path);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `${value}`;
  if (typeof value === 'object') return 'an object';
  return typeof value;
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  object: 'an object',
  array: 'an array',
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  record: 'an object',
};

/** Fields that take a duration ("500ms", "1s", "2m"): a bare number there is most likely seconds. */
const DURATION_FIELDS = new Set(['interval', 'timeout', 'connectTimeout', 'readTimeout', 'drainTimeout', 'selfCheckInterval']);

/** What to do about a too-short list, where the field says more than its bound. */
const TOO_FEW_HINTS: Readonly<Record<string, string>> = {
  directors: 'a director group is two or more directors: add the other director of the pair, or remove the group',
};

function typeName(expected: string): string {
  return TYPE_NAMES[expected] ?? expected;
}

function lastKey(path: Path): string {
  return path.length === 0 ? 'plan' : String(path[path.length - 1]);
}

/** A message of our own schema (an `error:` option) rather than zod's generic wording. */
function isOwnMessage(message: string): boolean {
  return !/^(Invalid|Too |Unrecognized)/.test(message);
}

function problemOf(issue: Issue, input: unknown): PlanProblem[] {
  const path = issue.path;
  const pointer = toPointer(path);
  const { found, value } = valueAt(input, path);
  if (!found && issue.code !== 'unrecognized_keys' && issue.code !== 'invalid_key') {
    const field = lastKey(path);
    const example = EXAMPLES[field];
    return [{ pointer, message: `"${field}" is required`, ...(example ? { hint: `add ${example}` } : {}) }];
  }
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeys(path);
      return issue.keys.map((key) => ({
        pointer: toPointer([...path, key]),
        // quoted as JSON: a key is the operator's text, and may hold a control byte
        message: `unknown key ${JSON.stringify(key)}`,
        hint: didYouMean(key, known) ?? (known.length > 0 ? `known keys here: ${known.join(', ')}` : 'remove it'),
      }));
    }
    case 'invalid_type': {
      if (issue.expected === 'int' || (issue.expected === 'number' && typeof value === 'number')) {
        return [{ pointer, message: `must be a whole number, not ${describeValue(value)}` }];
      }
      const field = lastKey(path);
      const hint = issue.expected === 'number' && typeof value === 'string' && /^\d+$/.test(value)
        ? `write ${value} without quotes`
        : issue.expected === 'string' && typeof value === 'number' && DURATION_FIELDS.has(field)
          ? `a duration is text with its unit: write "${value}s" for ${value} ${value === 1 ? 'second' : 'seconds'} ("500ms", "1s" and "2m" are durations)`
          : undefined;
      return [{ pointer, message: `must be ${typeName(issue.expected)}, not ${describeValue(value)}`, ...(hint ? { hint } : {}) }];
    }
    case 'invalid_value': {
      if (isOwnMessage(issue.message)) return [{ pointer, message: `${issue.message}, not ${describeValue(value)}` }];
      const options = issue.values.map((v) => JSON.stringify(v));
      const hint = typeof value === 'string' ? didYouMean(value, issue.values.map(String)) : undefined;
      return [{ pointer, message: `must be one of ${options.join(', ')}, not ${describeValue(value)}`, ...(hint ? { hint } : {}) }];
    }
    case 'too_small':
    case 'too_big': {
      const hint = issue.code === 'too_small' ? TOO_FEW_HINTS[lastKey(path)] : undefined;
      return [{ pointer, message: boundMessage(issue, value), ...(hint ? { hint } : {}) }];
    }
    case 'invalid_key': {
      const inner = issue.issues[0]?.message ?? 'is not a valid name';
      return [{ pointer, message: `"${lastKey(path)}" ${inner.startsWith('must') ? inner : 'is not a valid name: ' + inner}` }];
    }
    case 'invalid_union':
      if (!isOwnMessage(issue.message)) return unionProblems(issue, input, value);
      return [{ pointer, message: `${issue.message}, not ${describeValue(value)}` }];
    case 'invalid_format':
    case 'custom':
    default: {
      const message = isOwnMessage(issue.message) ? issue.message : `is not valid (${issue.message})`;
      return [{ pointer, message: `${message}, not ${describeValue(value)}` }];
    }
  }
}

/**
 * A value none of a union's forms took (e.g. expectStatus: a status or a list of them). When its
 * type fits a form, what is wrong inside it, at its own place ("/…/expectStatus/1: must be a
 * number"); else the forms it may take, and "without quotes" for a number written as a string.
 */
function unionProblems(issue: z.core.$ZodIssueInvalidUnion, input: unknown, value: unknown): PlanProblem[] {
  const typeMiss = (i: Issue): boolean => i.code === 'invalid_type' && i.path.length === 0;
  const fitting = issue.errors.find((branch) => branch.length > 0 && !branch.some(typeMiss));
  if (fitting) return fitting.flatMap((i) => problemOf({ ...i, path: [...issue.path, ...i.path] } as Issue, input));
  const expected = [...new Set(issue.errors.flatMap((branch) => branch.filter(typeMiss).map((i) => (i as z.core.$ZodIssueInvalidType).expected as string)))];
  if (expected.length === 0) return [{ pointer: toPointer(issue.path), message: `is not valid, not ${describeValue(value)}` }];
  const hint = expected.includes('number') && typeof value === 'string' && /^\d+$/.test(value) ? `write ${value} without quotes` : undefined;
  return [{ pointer: toPointer(issue.path), message: `must be ${expected.map(typeName).join(' or ')}, not ${describeValue(value)}`, ...(hint ? { hint } : {}) }];
}

function boundMessage(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig, value: unknown): string {
  const small = issue.code === 'too_small';
  const bound = small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum;
  const inclusive = issue.inclusive !== false;
  const word = small ? (inclusive ? 'at least' : 'more than') : inclusive ? 'at most' : 'less than';
  switch (issue.origin) {
    case 'array':
    case 'set':
      return `must have ${word} ${String(bound)} ${Number(bound) === 1 ? 'entry' : 'entries'}, not ${Array.isArray(value) ? value.length : '?'}`;
    case 'string':
      return `must be ${word} ${String(bound)} ${Number(bound) === 1 ? 'character' : 'characters'} long`;
    default:
      return `must be ${word} ${String(bound)}, not ${describeValue(value)}`;
  }
}

/** Every structural problem of `input`, or [] when it matches the schema. */
export function structureProblems(issues: readonly Issue[], input: unknown): PlanProblem[] {
  return issues.flatMap((issue) => problemOf(issue, input));
}
