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
  emit(value, '', 0, walkDepth, push);
  write(`${piece}\n`);
}

/** What JSON.stringify makes of a value before writing it: toJSON() applied. */
function jsonValue(value: unknown): unknown {
  return value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function'
    ? (value as { toJSON: () => unknown }).toJSON()
    : value;
}

function emit(raw: unknown, indent: string, depth: number, walkDepth: number, push: (text: string) => void): void {
  const value = jsonValue(raw);
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
    value.forEach((item, i) => {
      push(`\n${inner}`);
      emit(item, inner, depth + 1, walkDepth, push);
      if (i < value.length - 1) push(',');
    });
    push(`\n${indent}]`);
    return;
  }
  // an object's keys whose values JSON.stringify leaves out (undefined, a function) are left out here too
  const entries = Object.entries(value).filter(([, v]) => {
    const j = jsonValue(v);
    return j !== undefined && typeof j !== 'function' && typeof j !== 'symbol';
  });
  if (entries.length === 0) return push('{}');
  push('{');
  entries.forEach(([key, item], i) => {
    push(`\n${inner}${JSON.stringify(key)}: `);
    emit(item, inner, depth + 1, walkDepth, push);
    if (i < entries.length - 1) push(',');
  });
  push(`\n${indent}}`);
}
