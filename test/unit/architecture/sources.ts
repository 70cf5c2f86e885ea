// The repository's own TypeScript sources, for the tests that check rules on them.
import { existsSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';

function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = up;
  }
  return dir;
}

export const ROOT = repoRoot();

/** Every .ts file under folder (not .d.ts), relative to ROOT. */
export function sourcesUnder(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path.relative(ROOT, full));
    }
  };
  walk(path.join(ROOT, folder));
  return out;
}
