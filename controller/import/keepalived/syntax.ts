// keepalived.conf's syntax: words on lines, "{" … "}" blocks, double quotes around a word
// with spaces, comments from "#" or "!" (at the start of a word) to the end of the line,
// and "include GLOB" anywhere, which keepalived reads in place. No maintained npm parser
// exists (checked: none on the registry); this follows keepalived's own reader
// (lib/parser.c): a line's words are one statement; a "{" opens a block for it.
//
// Pure: files are read through `ConfigFiles`, so tests give text and the CLI gives the disk.

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

/** One line's words; quotes and comments resolved. */
function tokenizeLine(raw: string, file: string, line: number): Token[] {
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
  return tokens;
}

/**
 * Each line of `text` that has words, in order, as it is read: a 20,000-service
 * keepalived.conf is two million words, which held all at once as tokens took hundreds of MB
 * before a statement was made of them.
 */
function* linesOf(text: string, file: string): Generator<Token[]> {
  let from = 0;
  for (let line = 1; ; line += 1) {
    const end = text.indexOf('\n', from);
    const stop = end < 0 ? text.length : end;
    // a line ends at "\n" or "\r\n"
    const raw = text.slice(from, stop > from && text[stop - 1] === '\r' ? stop - 1 : stop);
    const tokens = tokenizeLine(raw, file, line);
    if (tokens.length > 0) yield tokens;
    if (end < 0) return;
    from = end + 1;
  }
}

/** One file's words, line by line (the lines with words). */
export function tokenize(text: string, file: string): Token[][] {
  return [...linesOf(text, file)];
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
 * The lines of `file`, each handed to `onLine`, with every include replaced by the lines of
 * the files its glob matches, in order (keepalived reads them in place, at any depth of the
 * blocks). A glob that matches nothing is skipped, as keepalived does, but reported.
 */
async function loadLines(file: string, files: ConfigFiles, notes: string[], onLine: (tokens: Token[]) => void, depth = 0, chain: string[] = []): Promise<void> {
  if (chain.includes(file)) throw new KeepalivedSyntaxError({ file, line: 1 }, `includes itself (through ${[...chain, file].join(' → ')})`);
  if (depth > MAX_INCLUDE_DEPTH) throw new KeepalivedSyntaxError({ file, line: 1 }, `includes nested deeper than ${MAX_INCLUDE_DEPTH}`);
  let text: string;
  try {
    text = await files.read(file);
  } catch (err) {
    throw new KeepalivedSyntaxError({ file, line: 0 }, `cannot be read: ${(err as Error).message}`);
  }
  for (const tokens of linesOf(text, file)) {
    if (tokens[0].text !== 'include' || tokens[0].brace) {
      onLine(tokens);
      continue;
    }
    if (tokens.length !== 2) throw new KeepalivedSyntaxError(tokens[0], 'include takes one file name or glob pattern');
    const pattern = files.resolve(files.dirname(file), tokens[1].text);
    const matched = await files.glob(pattern);
    if (matched.length === 0) notes.push(`${tokens[0].file}:${tokens[0].line}: include ${tokens[1].text} matches no file (skipped, as keepalived does)`);
    for (const included of matched) await loadLines(included, files, notes, onLine, depth + 1, [...chain, file]);
  }
}

/**
 * Lines → statements, a line at a time: each line up to a "{" or "}" is a statement; "{"
 * opens its block (a stack of the blocks open, not a call per block: ten thousand nested
 * would overflow the call stack).
 */
class StatementBuilder {
  readonly statements: Statement[] = [];
  private readonly open: Array<{ opener: Token; statements: Statement[] }> = [];

  line(tokens: readonly Token[]): void {
    let current: Statement | undefined;
    for (const t of tokens) {
      const here = this.open.length > 0 ? this.open[this.open.length - 1].statements : this.statements;
      if (t.brace === '}') {
        if (this.open.length === 0) throw new KeepalivedSyntaxError(t, 'a "}" closes no block');
        this.open.pop();
        current = undefined;
        continue;
      }
      if (t.brace === '{') {
        // a "{" on its own line belongs to the statement on the line before
        const owner = current ?? here[here.length - 1];
        if (!owner || owner.block) throw new KeepalivedSyntaxError(t, 'a "{" follows no keyword');
        // keepalived's own blocks go four deep (virtual_server, real_server, a checker, url)
        if (this.open.length >= MAX_BLOCK_DEPTH) throw new KeepalivedSyntaxError(t, `blocks nested deeper than ${MAX_BLOCK_DEPTH}: keepalived's own go four deep (virtual_server, real_server, a checker, url)`);
        owner.block = [];
        this.open.push({ opener: t, statements: owner.block });
        current = undefined;
        continue;
      }
      if (current) current.args.push(t.text);
      else {
        current = { keyword: t.text, args: [], file: t.file, line: t.line };
        here.push(current);
      }
    }
  }

  finish(): Statement[] {
    const unclosed = this.open[this.open.length - 1];
    if (unclosed) throw new KeepalivedSyntaxError(unclosed.opener, 'this "{" is never closed');
    return this.statements;
  }
}

export function parseStatements(lines: readonly Token[][]): Statement[] {
  const builder = new StatementBuilder();
  for (const tokens of lines) builder.line(tokens);
  return builder.finish();
}

export async function readKeepalivedConfig(file: string, files: ConfigFiles, notes: string[]): Promise<Statement[]> {
  const builder = new StatementBuilder();
  await loadLines(file, files, notes, (tokens) => builder.line(tokens));
  return builder.finish();
}
