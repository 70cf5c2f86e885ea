// A small JSON scanner for what JSON.parse does not say well: where (line and column)
// the text stops being JSON, and which object keys are given twice (JSON.parse keeps
// the last one silently, so a second "services" would hide the first).
import { toPointer } from './errors';

export interface JsonSyntaxError {
  line: number;
  column: number;
  message: string;
  hint?: string;
}

export interface JsonScan {
  error?: JsonSyntaxError;
  /** JSON pointers of keys that repeat a key of the same object */
  duplicateKeys: string[];
}

class ScanError extends Error {
  constructor(readonly offset: number, message: string, readonly hint?: string) {
    super(message);
  }
}

/** Far deeper than any plan; keeps the recursion off the stack limit. */
const MAX_DEPTH = 200;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);

function describeChar(ch: string | undefined): string {
  if (ch === undefined) return 'the end of the file';
  if (ch === '\n') return 'a line break';
  // a control byte printed as it is would reach the operator's terminal (an ESC starts a sequence)
  const code = ch.charCodeAt(0);
  if (code < 0x20 || code === 0x7f) return `control byte 0x${code.toString(16).padStart(2, '0')}`;
  return `"${ch}"`;
}

export function scanJson(text: string): JsonScan {
  let pos = 0;
  const path: (string | number)[] = [];
  const duplicateKeys: string[] = [];

  const skipWhitespace = (): void => {
    while (pos < text.length && (text[pos] === ' ' || text[pos] === '\t' || text[pos] === '\n' || text[pos] === '\r')) pos++;
    // Editors and other formats allow them; JSON does not, and JSON.parse would only say "unexpected token".
    if (text[pos] === '/' && (text[pos + 1] === '/' || text[pos + 1] === '*')) {
      fail('JSON has no comments', 'remove the comment; keep notes in a file beside the plan');
    }
  };
  const fail = (message: string, hint?: string): never => {
    throw new ScanError(pos, message, hint);
  };
  const expect = (ch: string, what: string, hint?: string): void => {
    skipWhitespace();
    if (text[pos] !== ch) fail(`expected ${what}, found ${describeChar(text[pos])}`, hint);
    pos++;
  };

  const scanString = (): string => {
    const start = ++pos; // after the opening quote
    while (pos < text.length && text[pos] !== '"') {
      const ch = text[pos];
      if (ch < ' ') fail('a string runs into a line break or control character', 'close the string with " on the same line; write \\n for a line break');
      if (ch === '\\') {
        const next = text[pos + 1];
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(pos + 2, pos + 6))) fail('\\u must be followed by four hex digits');
          pos += 6;
          continue;
        }
        if (next === undefined || !ESCAPES.has(next)) fail(`unknown escape "\\${next ?? ''}" in a string`, 'write a backslash as \\\\');
        pos += 2;
        continue;
      }
      pos++;
    }
    if (pos >= text.length) fail('the file ends inside a string', 'close the string with "');
    pos++;
    return JSON.parse(text.slice(start - 1, pos)) as string;
  };

  const scanValue = (): void => {
    skipWhitespace();
    if (path.length > MAX_DEPTH) fail(`nested more than ${MAX_DEPTH} levels deep`, 'a plan is a few levels deep; this is not a plan');
    const ch = text[pos];
    if (ch === '{') return scanObject();
    if (ch === '[') return scanArray();
    if (ch === '"') {
      scanString();
      return;
    }
    if (ch === '-' || (ch >= '0' && ch <= '9')) {
      NUMBER.lastIndex = pos;
      if (!NUMBER.test(text)) fail(`not a number`);
      pos = NUMBER.lastIndex;
      return;
    }
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, pos)) {
        pos += literal.length;
        return;
      }
    }
    if (ch === undefined) fail('the file ends where a value should be', 'the JSON is cut short: check the closing } and ]');
    if (ch === "'") fail("strings take double quotes, not '");
    fail(`unexpected ${describeChar(ch)} where a value should be`, ch === '}' || ch === ']' ? 'remove the trailing comma before it' : 'values are "strings", numbers, true, false, null, {…} or […]');
  };

  const scanObject = (): void => {
    pos++;
    const keys = new Set<string>();
    skipWhitespace();
    if (text[pos] === '}') {
      pos++;
      return;
    }
    for (;;) {
      skipWhitespace();
      if (text[pos] !== '"') {
        fail(`expected a "quoted" key, found ${describeChar(text[pos])}`, text[pos] === '}' ? 'remove the trailing comma before }' : 'keys take double quotes');
      }
      const key = scanString();
      if (keys.has(key)) duplicateKeys.push(toPointer([...path, key]));
      keys.add(key);
      expect(':', '":" after the key');
      path.push(key);
      scanValue();
      path.pop();
      skipWhitespace();
      if (text[pos] === ',') {
        pos++;
        continue;
      }
      if (text[pos] === '}') {
        pos++;
        return;
      }
      fail(`expected "," or "}" after a value, found ${describeChar(text[pos])}`, 'a comma may be missing between two entries');
    }
  };

  const scanArray = (): void => {
    pos++;
    skipWhitespace();
    if (text[pos] === ']') {
      pos++;
      return;
    }
    for (let index = 0; ; index++) {
      path.push(index);
      scanValue();
      path.pop();
      skipWhitespace();
      if (text[pos] === ',') {
        pos++;
        continue;
      }
      if (text[pos] === ']') {
        pos++;
        return;
      }
      fail(`expected "," or "]" after a value, found ${describeChar(text[pos])}`, 'a comma may be missing between two entries');
    }
  };

  try {
    scanValue();
    skipWhitespace();
    if (pos < text.length) fail(`unexpected ${describeChar(text[pos])} after the end of the JSON document`, 'a plan is one JSON object; remove what follows its closing }');
    return { duplicateKeys };
  } catch (err) {
    if (!(err instanceof ScanError)) throw err;
    return { error: { ...lineAndColumn(text, err.offset), message: err.message, ...(err.hint ? { hint: err.hint } : {}) }, duplicateKeys };
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/**
 * Whether some object of `text`, which JSON.parse made into `parsed`, gives a key twice: the
 * quick question a valid plan asks (scanJson takes several times longer on a 1 MB plan, and
 * only a plan with a duplicate needs its pointers). Every key of the text is followed by a
 * ":" outside any string, and JSON.parse keeps one property per distinct key of an object
 * ("a" and "\u0061" are one), so the text has more colons than `parsed` has properties
 * exactly when some key comes twice. Counted without a string or a set made per key or per
 * object: those were 10 MB of a 2,000-service plan's validation.
 */
export function hasDuplicateKeys(text: string, parsed: unknown): boolean {
  return colonsOutsideStrings(text) !== propertyCount(parsed);
}

function colonsOutsideStrings(text: string): number {
  let colons = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === QUOTE) {
      let end = text.indexOf('"', i + 1);
      // a quote after an odd run of backslashes is part of the string
      while (end > 0 && oddBackslashesBefore(text, end)) end = text.indexOf('"', end + 1);
      if (end < 0) return -1; // not JSON after all (no count of properties is negative)
      i = end;
    } else if (ch === COLON) {
      colons++;
    }
  }
  return colons;
}

/** The own properties of every object in a JSON.parse result (a stack of its own: a deep plan does not overflow the call stack). */
function propertyCount(parsed: unknown): number {
  let count = 0;
  const pending: unknown[] = [parsed];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      for (const item of value) if (typeof item === 'object' && item !== null) pending.push(item);
      continue;
    }
    for (const key in value) {
      if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
      count++;
      const item = (value as Record<string, unknown>)[key];
      if (typeof item === 'object' && item !== null) pending.push(item);
    }
  }
  return count;
}

/** A place in a JSON.parse result: its value, and the key that led there from its parent (none at the top). */
interface Place {
  value: unknown;
  parent?: Place;
  key?: string | number;
}

/**
 * The pointers of every "__proto__" key in a JSON.parse result. JSON.parse keeps one as an own
 * property, but a copy of the object into a new one (zod's record, a spread) sets the copy's
 * prototype with it instead, and the key is gone without a word: a host named so would vanish
 * from the plan. A walk with a stack of its own; pointers are spelt only for what it finds.
 */
export function protoKeyPointers(parsed: unknown): string[] {
  const found: string[] = [];
  const pending: Place[] = [{ value: parsed }];
  while (pending.length > 0) {
    const place = pending.pop() as Place;
    const value = place.value;
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      value.forEach((item, index) => { if (typeof item === 'object' && item !== null) pending.push({ value: item, parent: place, key: index }); });
      continue;
    }
    for (const key in value) {
      if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
      if (key === '__proto__') found.push(toPointer([...pathOf(place), key]));
      const item = (value as Record<string, unknown>)[key];
      if (typeof item === 'object' && item !== null) pending.push({ value: item, parent: place, key });
    }
  }
  return found.sort();
}

function pathOf(place: Place): Array<string | number> {
  const path: Array<string | number> = [];
  for (let at: Place | undefined = place; at?.key !== undefined; at = at.parent) path.push(at.key);
  return path.reverse();
}

function oddBackslashesBefore(text: string, at: number): boolean {
  let n = 0;
  while (text.charCodeAt(at - 1 - n) === BACKSLASH) n++;
  return n % 2 === 1;
}

/** 1-based line and column of a character offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}
