// lvsctl started from dist/ runs, when it can, from one file: `npm run build` bundles the whole
// CLI from dist/ (the code the tests ran) into dist/cli-bundle/ with V8's code cache of a
// `validate` run (scripts/package/cli-bundle.ts). One file instead of ~200 to find, read and
// compile, and bytecode instead of compiling: `lvsctl validate` starts in about two thirds of
// the time (docs/benchmarks.md). The bundle is taken only while every file it was made from is
// as it was (size and modification time): after a bare `tsc`, or an `npm install` that changed
// a package, the compiled modules run instead, never an older copy of them.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { requireWithCodeCache, type CodeCacheUse } from './code-cached-script';

/** dist/cli-bundle/, from dist/controller/cli/ */
export const CLI_BUNDLE_DIR = join(__dirname, '..', '..', 'cli-bundle');
export const CLI_BUNDLE_MANIFEST = 'manifest.json';

/** manifest.json beside the bundle; paths are relative to its directory. */
export interface CliBundleManifest {
  bundle: string;
  codeCache: string;
  /** every file the bundle was made from, with its size and mtimeMs then */
  inputs: Array<[path: string, size: number, mtimeMs: number]>;
}

/** The bundle's manifest when the bundle is there and no input changed since; undefined otherwise. */
export function freshCliBundle(dir: string = CLI_BUNDLE_DIR): CliBundleManifest | undefined {
  let manifest: CliBundleManifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, CLI_BUNDLE_MANIFEST), 'utf8')) as CliBundleManifest;
  } catch {
    return undefined; // not built (or half written): the compiled modules run
  }
  for (const [path, size, mtimeMs] of manifest.inputs) {
    const now = statSync(join(dir, path), { throwIfNoEntry: false });
    if (now === undefined || now.size !== size || now.mtimeMs !== mtimeMs) return undefined;
  }
  return manifest;
}

export interface CliBundleRun {
  /** the program's main(argv), from the bundle */
  main: (argv: string[]) => Promise<number>;
  cache: CodeCacheUse;
}

/** Loads the bundled program when it is fresh; undefined tells the caller to load program.ts itself. */
export function loadCliBundle(dir: string = CLI_BUNDLE_DIR, options: { writeCacheAtExit?: boolean } = {}): CliBundleRun | undefined {
  const manifest = freshCliBundle(dir);
  if (!manifest) return undefined;
  const run = requireWithCodeCache(join(dir, manifest.bundle), join(dir, manifest.codeCache), options);
  return { main: (run.exports as { main: CliBundleRun['main'] }).main, cache: run.cache };
}
