// lvsctl and lvsctl-agent started from dist/ run, when they can, from one file: `npm run build`
// bundles each program from dist/ (the code the tests ran) into dist/cli-bundle/ and
// dist/agent-bundle/ (scripts/package/dist-bundles.ts), lvsctl's with V8's code cache of a
// training run. One file instead of some hundreds to find, read and compile: `lvsctl validate`
// starts in about two thirds of the time, and an idle agent holds less (docs/architecture.md,
// "Start-up" and "Memory at rest"). A bundle is taken only while every file it was made from is
// as it was (size and modification time, to the second): after a bare `tsc`, or an `npm install` that changed
// a bundled package, the compiled modules run instead, never an older copy of them.
// LVSCTL_NO_BUNDLE=1 always takes the compiled modules (stack traces then name dist/'s files).
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { requireWithCodeCache, type CodeCacheUse } from './code-cached-script';

export const DIST_BUNDLE_MANIFEST = 'manifest.json';

/** manifest.json beside the bundle; paths are relative to its directory. */
export interface DistBundleManifest {
  bundle: string;
  /** V8's code cache of the bundle, when the build trained one */
  codeCache?: string;
  /** every file the bundle was made from, with its size and mtimeMs then */
  inputs: Array<[path: string, size: number, mtimeMs: number]>;
}

/**
 * Modification times are compared to the second: some file systems keep no finer (the lab
 * guest's hostfs shows the host's files with whole seconds). A file written again is still
 * seen: tsc and npm write long after the second the manifest recorded.
 */
function sameSecond(aMs: number, bMs: number): boolean {
  return Math.floor(aMs / 1000) === Math.floor(bMs / 1000);
}

/** The bundle's manifest when the bundle is there and no input changed since; undefined otherwise. */
export function freshDistBundle(dir: string): DistBundleManifest | undefined {
  let manifest: DistBundleManifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, DIST_BUNDLE_MANIFEST), 'utf8')) as DistBundleManifest;
  } catch {
    return undefined; // not built (or half written): the compiled modules run
  }
  for (const [path, size, mtimeMs] of manifest.inputs) {
    // not path.join: some hundred joins of long relative paths make it hot enough for V8 to
    // optimise it, and an agent's optimising compiler then stays paged in at rest
    const now = statSync(`${dir}/${path}`, { throwIfNoEntry: false });
    if (now === undefined || now.size !== size || !sameSecond(now.mtimeMs, mtimeMs)) return undefined;
  }
  return manifest;
}

export interface DistBundleRun {
  exports: unknown;
  cache: CodeCacheUse;
}

/** Loads the bundle in `dir` when it is fresh (and not turned off); undefined tells the caller to load its compiled modules. */
export function loadDistBundle(dir: string, options: { writeCacheAtExit?: boolean } = {}): DistBundleRun | undefined {
  if (process.env.LVSCTL_NO_BUNDLE === '1') return undefined;
  const manifest = freshDistBundle(dir);
  if (!manifest) return undefined;
  const bundle = join(dir, manifest.bundle);
  if (manifest.codeCache === undefined) {
    return { exports: require(bundle) as unknown, cache: 'none' };
  }
  return requireWithCodeCache(bundle, join(dir, manifest.codeCache), options);
}
