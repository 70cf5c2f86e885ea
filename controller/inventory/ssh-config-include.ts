// `Include` in an ssh config, as OpenSSH reads it (ssh_config(5)): each word names files, `~`
// for the home directory, a relative path from ~/.ssh (a user's config, and one given with
// -F), shell wildcards `*` and `?` in any part, the matches in lexical order, a name that
// matches nothing skipped. An Include inside a `Host` block counts only for a host that block
// matches (ssh reads the file then, and never matches its blocks otherwise); one inside a
// `Match` block is not followed (lvsctl does not evaluate Match). The `ssh-config` package
// leaves Include lines alone, so the files' text is put in their place before it parses.
// Pure: the file system comes in as `files`.

/** What expandIncludes may look at: one file's text, one directory's names. */
export interface IncludeFiles {
  /**
   * The file's text; undefined when there is none. `matched`: the name came from a wildcard,
   * and anything but a regular file is skipped (as ssh's glob does) rather than refused.
   */
  read(path: string, matched: boolean): string | undefined;
  list(dir: string): string[];
}

export interface Expansion {
  text: string;
  /** an Include inside a Host block was met: the text depends on the host looked up */
  perHost: boolean;
}

/** ssh's own bound on nesting (READCONF_MAX_DEPTH) */
const MAX_DEPTH = 16;

export class SshIncludeError extends Error {}

const INCLUDE = /^\s*include(?:\s*=\s*|\s+)(.*)$/i;
const BLOCK = /^\s*(host|match)(?:\s*=\s*|\s+)(.*)$/i;

/** The words of a line: space separated, a double-quoted word may hold spaces. */
function words(text: string): string[] {
  return [...text.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]).filter((w) => w !== '' && !w.startsWith('#'));
}

/** A shell-style pattern (`*`, `?`, everything else literal) as a whole-word, case-blind RegExp. */
function globRegExp(pattern: string): RegExp {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 'i');
}

/** The part's pattern when it has a wildcard; undefined for a literal name. */
function wildcard(part: string): RegExp | undefined {
  return /[*?]/.test(part) ? globRegExp(part) : undefined;
}

/** Whether a `Host` line's patterns take this host, as ssh decides: a negated match refuses it, else any match takes it. */
export function hostPatternsMatch(patterns: readonly string[], host: string): boolean {
  let taken = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    const body = negated ? pattern.slice(1) : pattern;
    const matches = globRegExp(body).test(host);
    if (matches && negated) return false;
    if (matches) taken = true;
  }
  return taken;
}

/** The files a path names, its wildcards matched part by part, each directory's matches sorted. */
function matches(path: string, files: IncludeFiles): { file: string; matched: boolean }[] {
  const parts = path.split('/');
  let found = [{ file: parts[0], matched: false }];
  for (const part of parts.slice(1)) {
    if (part === '') continue;
    const pattern = wildcard(part);
    found = found.flatMap(({ file: dir, matched }) => {
      if (!pattern) return [{ file: `${dir}/${part}`, matched }];
      // ssh's glob skips names starting with "." unless the pattern does
      return files.list(dir === '' ? '/' : dir).filter((name) => pattern.test(name) && (part.startsWith('.') || !name.startsWith('.'))).sort()
        .map((name) => ({ file: `${dir}/${name}`, matched: true }));
    });
  }
  return found;
}

/**
 * The config's text with each Include line replaced by the files it names. For `host`, an
 * Include in a Host block is followed only when the block takes that host; without one,
 * every such Include is followed (to read and check every file once).
 */
export function expandIncludes(text: string, options: { home: string; files: IncludeFiles; host?: string }, depth = 0): Expansion {
  if (depth > MAX_DEPTH) throw new SshIncludeError(`Include nested more than ${MAX_DEPTH} deep (a file that includes itself?)`);
  const out: string[] = [];
  let perHost = false;
  // the Host or Match line the lines below belong to: said again after an included file
  // that has blocks of its own, so that the lines after the Include stay in this one (at
  // the top, before any block, they apply to every host: Host *)
  let block: { line: string; kind: string; patterns: string[] } | undefined;
  for (const line of text.split(/\r?\n/)) {
    const opened = BLOCK.exec(line);
    if (opened) block = { line, kind: opened[1].toLowerCase(), patterns: words(opened[2]) };
    const include = INCLUDE.exec(line);
    if (!include) {
      out.push(line);
      continue;
    }
    if (block?.kind === 'match') {
      out.push(`# lvsctl: not followed (an Include inside a Match block): ${line.trim()}`);
      continue;
    }
    if (block) {
      perHost = true;
      if (options.host !== undefined && !hostPatternsMatch(block.patterns, options.host)) continue;
    }
    let hadBlocks = false;
    for (const word of words(include[1])) {
      const expanded = word.startsWith('~/') ? `${options.home}${word.slice(1)}` : word;
      const path = expanded.startsWith('/') ? expanded : `${options.home}/.ssh/${expanded}`;
      for (const { file, matched } of matches(path, options.files)) {
        const included = options.files.read(file, matched);
        if (included === undefined) continue;
        const inner = expandIncludes(included, options, depth + 1);
        perHost ||= inner.perHost;
        hadBlocks ||= inner.text.split('\n').some((l) => BLOCK.test(l));
        out.push(`# lvsctl: included from ${file}`, inner.text);
      }
    }
    if (hadBlocks) out.push(block?.line ?? 'Host *');
  }
  return { text: out.join('\n'), perHost };
}
