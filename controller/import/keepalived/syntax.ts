// keepalived.conf's syntax: words on lines, "{" … "}" blocks, double quotes around a word
// with spaces, comments from "#" or "!" (at the start of a word) to the end of the line,
// and "include GLOB" anywhere, which keepalived reads in place. No maintained npm parser
// exists (checked: none on the registry); this follows keepalived's own reader
// (lib/parser.c): a line's words are one statement; a "{" opens a block for it.
//
// Pure: files are read through `ConfigFiles`, so tests give text and the CLI gives the disk.
import { appendAll } from '../../../lvs/append';

/** Where a word or statement comes from, for every message: "keepalived.conf:12". */
export interface Place {
  file: string;
  line: number;
}

export interface Token extends Place {
  text: string;
  /** "{" and "}" only when unquoted */
  brace?: '{' | '}';
}

export interface Statement extends Place {
  keyword: string;
  args: string[];
  /** the block after it, when it has one */
  block?: Statement[];
}

export class KeepalivedSyntaxError extends Error {
  constructor(readonly place: Place, problem: string) {
    super(`${place.file}:${place.line}: ${problem}`);
  }
}

/** One file's words, line by line; quotes and comments resolved. */
export function tokenize(text: string, file: string): Token[][] {
  const lines: Token[][] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const tokens: Token[] = [];
    let i = 0;
    while (i < raw.length) {
      const c = raw[i];
      if (c === ' ' || c === '\t') { i += 1; continue; }
      if (c === '#' || c === '!') break;
      if (c === '{' || c === '}') { tokens.push({ text: c, brace: c, file, line }); i += 1; continue; }
      if (c === '"') {
        const end = raw.indexOf('"', i + 1);
        if (end < 0) throw new KeepalivedSyntaxError({ file, line }, `a quote opened at column ${i + 1} is not closed on its line`);
        tokens.push({ text: raw.slice(i + 1, end), file, line });
        i = end + 1;
        continue;
      }
      let j = i;
      while (j < raw.length && !' \t{}"'.includes(raw[j])) j += 1;
      tokens.push({ text: raw.slice(i, j), file, line });
      i = j;
    }
    if (tokens.length > 0) lines.push(tokens);
  });
  return lines;
}

/** What the loader needs of the disk: read a file, expand a glob (sorted, as glob(3) does). */
export interface ConfigFiles {
  read(path: string): Promise<string>;
  glob(pattern: string): Promise<string[]>;
  /** the directory an include's relative pattern is taken from */
  dirname(path: string): string;
  resolve(dir: string, pattern: string): string;
}

/** At most this deep: an include that includes itself is refused, not followed for ever. */
const MAX_INCLUDE_DEPTH = 16;
const MAX_BLOCK_DEPTH = 32;

/**
 * The lines of `file` with every include replaced by the lines of the files its glob
 * matches, in order (keepalived reads them in place, at any depth of the blocks). A glob
 * that matches nothing is skipped, as keepalived does, but reported.
 */
export async function loadLines(file: string, files: ConfigFiles, notes: string[], depth = 0, chain: string[] = []): Promise<Token[][]> {
  if (chain.includes(file)) throw new KeepalivedSyntaxError({ file, line: 1 }, `includes itself (through ${[...chain, file].join(' → ')})`);
  if (depth > MAX_INCLUDE_DEPTH) throw new KeepalivedSyntaxError({ file, line: 1 }, `includes nested deeper than ${MAX_INCLUDE_DEPTH}`);
  let text: string;
  try {
    text = await files.read(file);
  } catch (err) {
    throw new KeepalivedSyntaxError({ file, line: 0 }, `cannot be read: ${(err as Error).message}`);
  }
  const out: Token[][] = [];
  for (const tokens of tokenize(text, file)) {
    if (tokens[0].text !== 'include' || tokens[0].brace) {
      out.push(tokens);
      continue;
    }
    if (tokens.length !== 2) throw new KeepalivedSyntaxError(tokens[0], 'include takes one file name or glob pattern');
    const pattern = files.resolve(files.dirname(file), tokens[1].text);
    const matched = await files.glob(pattern);
    if (matched.length === 0) notes.push(`${tokens[0].file}:${tokens[0].line}: include ${tokens[1].text} matches no file (skipped, as keepalived does)`);
    for (const included of matched) appendAll(out, await loadLines(included, files, notes, depth + 1, [...chain, file]));
  }
  return out;
}

/** Lines → statements: each line up to a "{" or "}" is a statement; "{" opens its block. */
export function parseStatements(lines: Token[][]): Statement[] {
  const flat: (Token | 'eol')[] = lines.flatMap((l) => [...l, 'eol' as const]);
  let at = 0;
  const parseBlock = (opener: Token | undefined, depth: number): Statement[] => {
    // keepalived's own blocks go four deep (virtual_server, real_server, a checker, url): a
    // deeper nest is no configuration, and ten thousand of them would overflow the call stack
    if (opener && depth > MAX_BLOCK_DEPTH) throw new KeepalivedSyntaxError(opener, `blocks nested deeper than ${MAX_BLOCK_DEPTH}: keepalived's own go four deep (virtual_server, real_server, a checker, url)`);
    const statements: Statement[] = [];
    let current: Statement | undefined;
    while (at < flat.length) {
      const t = flat[at];
      at += 1;
      if (t === 'eol') { current = undefined; continue; }
      if (t.brace === '}') {
        if (!opener) throw new KeepalivedSyntaxError(t, 'a "}" closes no block');
        return statements;
      }
      if (t.brace === '{') {
        // a "{" on its own line belongs to the statement on the line before
        const owner = current ?? statements[statements.length - 1];
        if (!owner || owner.block) throw new KeepalivedSyntaxError(t, 'a "{" follows no keyword');
        owner.block = parseBlock(t, depth + 1);
        current = undefined;
        continue;
      }
      if (current) current.args.push(t.text);
      else {
        current = { keyword: t.text, args: [], file: t.file, line: t.line };
        statements.push(current);
      }
    }
    if (opener) throw new KeepalivedSyntaxError(opener, 'this "{" is never closed');
    return statements;
  };
  return parseBlock(undefined, 0);
}

export async function readKeepalivedConfig(file: string, files: ConfigFiles, notes: string[]): Promise<Statement[]> {
  return parseStatements(await loadLines(file, files, notes));
}
