// A JSON document written a piece at a time, the same text as JSON.stringify(value, null, 2):
// a --json answer can hold a million connections or events, and one string of it could exceed
// what a JavaScript string holds (about 512 MiB), or need it all in memory twice. Arrays and
// objects are walked down to WALK_DEPTH; below that each value is one JSON.stringify.

/**
 * Levels walked container by container by default (a document, its hosts, a host, its
 * connections); deeper values (one connection) are stringified whole, which is faster.
 */
const WALK_DEPTH = 4;
/** Pieces go to write at about this many characters. */
const PIECE_CHARS = 1 << 20;

/** walkDepth: how many levels to walk (2 for a document whose large array is at the top: its elements whole). */
export function writeJsonPieces(value: unknown, write: (text: string) => void, walkDepth = WALK_DEPTH): void {
  let piece = '';
  const push = (text: string): void => {
    piece += text;
    if (piece.length >= PIECE_CHARS) {
      write(piece);
      piece = '';
    }
  };
  emit(value, '', '', 0, walkDepth, push);
  write(`${piece}\n`);
}

/** What JSON.stringify makes of a value before writing it: toJSON(key) applied, a boxed primitive unboxed. */
function jsonValue(value: unknown, key: string): unknown {
  if (value === null || (typeof value !== 'object' && typeof value !== 'bigint')) return value;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return (value as { toJSON: (key: string) => unknown }).toJSON(key);
  if (value instanceof Number || value instanceof String || value instanceof Boolean) return value.valueOf();
  return value;
}

function emit(raw: unknown, key: string, indent: string, depth: number, walkDepth: number, push: (text: string) => void): void {
  emitValue(jsonValue(raw, key), indent, depth, walkDepth, push);
}

/** A value already through jsonValue (its toJSON applied once, as JSON.stringify does). */
function emitValue(value: unknown, indent: string, depth: number, walkDepth: number, push: (text: string) => void): void {
  if (depth >= walkDepth || value === null || typeof value !== 'object') {
    // a value JSON.stringify leaves out of an array is written as null there, as JSON.stringify does
    const text = JSON.stringify(value, null, 2) ?? 'null';
    push(indent === '' ? text : text.replace(/\n/g, `\n${indent}`));
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return push('[]');
    push('[');
    // by index: a hole of a sparse array is written as null, as JSON.stringify does
    for (let i = 0; i < value.length; i++) {
      push(`\n${inner}`);
      emit(value[i], String(i), inner, depth + 1, walkDepth, push);
      if (i < value.length - 1) push(',');
    }
    push(`\n${indent}]`);
    return;
  }
  // an object's keys whose values JSON.stringify leaves out (undefined, a function) are left out here too
  const entries = Object.entries(value).map(([k, v]) => [k, jsonValue(v, k)] as const)
    .filter(([, j]) => j !== undefined && typeof j !== 'function' && typeof j !== 'symbol');
  if (entries.length === 0) return push('{}');
  push('{');
  entries.forEach(([k, item], i) => {
    push(`\n${inner}${JSON.stringify(k)}: `);
    // already through jsonValue: its toJSON is not applied twice
    emitValue(item, inner, depth + 1, walkDepth, push);
    if (i < entries.length - 1) push(',');
  });
  push(`\n${indent}}`);
}
