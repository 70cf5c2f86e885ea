// `Include` in an ssh config, as OpenSSH reads it (ssh_config(5)): each word names files, `~`
// for the home directory, a relative path from ~/.ssh (a user's config, and one given with
// -F), shell wildcards `*` and `?` in any part, the matches in lexical order, a name that
// matches nothing skipped. The `ssh-config` package leaves Include lines alone, so the files'
// text is put in their place before it parses. Pure: the file system comes in as `files`.

/** What expandIncludes may look at: one file's text (undefined: no such file), one directory's names. */
export interface IncludeFiles {
  read(path: string): string | undefined;
  list(dir: string): string[];
}

/** ssh's own bound on nesting (READCONF_MAX_DEPTH) */
const MAX_DEPTH = 16;

export class SshIncludeError extends Error {}

const INCLUDE = /^\s*include(?:\s*=\s*|\s+)(.*)$/i;
const BLOCK = /^\s*(host|match)(\s*=\s*|\s+)/i;

/** The words of an Include line: space separated, a double-quoted word may hold spaces. */
function words(text: string): string[] {
  return [...text.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]).filter((w) => w !== '' && !w.startsWith('#'));
}

function wildcard(part: string): RegExp | undefined {
  if (!/[*?[]/.test(part)) return undefined;
  const source = part.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${source}$`);
}

/** The files a path names, its wildcards matched part by part, each directory's matches sorted. */
function matches(path: string, files: IncludeFiles): string[] {
  const parts = path.split('/').filter((p, i) => p !== '' || i === 0);
  let found = [parts[0] === '' ? '' : parts[0]];
  for (const part of parts.slice(1)) {
    const pattern = wildcard(part);
    found = found.flatMap((dir) => {
      if (!pattern) return [`${dir}/${part}`];
      // ssh's glob skips names starting with "." unless the pattern does
      return files.list(dir === '' ? '/' : dir).filter((name) => pattern.test(name) && (part.startsWith('.') || !name.startsWith('.'))).sort().map((name) => `${dir}/${name}`);
    });
  }
  return found;
}

/** The config's text with each Include line replaced by the files it names. */
export function expandIncludes(text: string, options: { home: string; files: IncludeFiles }, depth = 0): string {
  if (depth > MAX_DEPTH) throw new SshIncludeError(`Include nested more than ${MAX_DEPTH} deep (a file that includes itself?)`);
  const out: string[] = [];
  // the Host or Match line the lines below belong to: said again after an included file
  // that has blocks of its own, so that the lines after the Include stay in this one (at
  // the top, before any block, they apply to every host: Host *)
  let block: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (BLOCK.test(line)) block = line;
    const include = INCLUDE.exec(line);
    if (!include) {
      out.push(line);
      continue;
    }
    let hadBlocks = false;
    for (const word of words(include[1])) {
      const expanded = word.startsWith('~/') ? `${options.home}${word.slice(1)}` : word;
      const path = expanded.startsWith('/') ? expanded : `${options.home}/.ssh/${expanded}`;
      for (const file of matches(path, options.files)) {
        const included = options.files.read(file);
        if (included === undefined) continue;
        const inner = expandIncludes(included, options, depth + 1);
        hadBlocks ||= inner.split('\n').some((l) => BLOCK.test(l));
        out.push(`# lvsctl: included from ${file}`, inner);
      }
    }
    if (hadBlocks) out.push(block ?? 'Host *');
  }
  return out.join('\n');
}
