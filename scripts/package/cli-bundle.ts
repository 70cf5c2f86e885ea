// The last step of `npm run build` (scripts/postbuild.js): lvsctl's whole CLI, from the built
// dist/, in one file dist/cli-bundle/lvsctl.js, with V8's code cache of a training run beside it
// and the list of files it was made from (manifest.json). dist/controller/cli/main.js runs it
// while none of those files changed (controller/cli/bundled-cli.ts).
import { execFile } from 'node:child_process';
import { readFile, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { build, type Plugin } from 'esbuild';
import { CLI_BUNDLE_MANIFEST, type CliBundleManifest } from '../../controller/cli/bundled-cli';
import { zodEnglishOnlyPlugin } from './bundle';

const run = promisify(execFile);

const BUNDLE = 'lvsctl.js';
const CODE_CACHE = 'lvsctl.v8-code-cache';
/** the entry, given to esbuild as text: no file to check */
const ENTRY = 'lvsctl-entry.js';

/**
 * The packages the bundle holds: those `--help` and `validate` run. The others (gRPC, protobuf,
 * X.509, glob, ...) only a command's work needs; they stay in node_modules and load from
 * there when it runs, as before, so the bundle that every start reads stays small.
 */
export const BUNDLED_PACKAGES: readonly string[] = ['commander', 'zod', 'ssh-config'];

/** The command lines the training run goes through, in one process: what the code cache then holds. */
export const TRAINING_RUNS: readonly (readonly string[])[] = [['--help'], ['validate', join('examples', 'nat.json')]];

/**
 * Each bundled file that reads __dirname gets its own directory, as Node would give it, not the
 * bundle's: lvs/version.ts finds package.json, lvs/wire/proto-source.ts the .proto files and
 * run-bootstrap.ts the systemd unit from where they are in dist/. The banner holds the bundle's
 * directory; the directive prologue ("use strict") stays first.
 */
function ownDirnamePlugin(bundleDir: string): Plugin {
  return {
    name: 'lvsctl-own-dirname',
    setup(b) {
      b.onLoad({ filter: /\.c?js$/ }, async (args) => {
        const contents = await readFile(args.path, 'utf8');
        if (!/\b__dirname\b/.test(contents)) return undefined;
        const prologue = /^(#![^\n]*\n)?(\s*(["'])use strict\3;?)?/.exec(contents)?.[0] ?? '';
        const own = `var __dirname = __lvsctlDirname(${JSON.stringify(relative(bundleDir, dirname(args.path)))});`;
        return { contents: `${prologue}${own}${contents.slice(prologue.length)}`, loader: 'js', resolveDir: dirname(args.path) };
      });
    },
  };
}

/** A package's name from an import path: `@scope/name` or `name`; undefined for a relative or absolute path. */
export function packageOf(importPath: string): string | undefined {
  if (importPath.startsWith('.') || importPath.startsWith('/')) return undefined;
  const parts = importPath.split('/');
  return importPath.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function onlyListedPackagesPlugin(listed: readonly string[]): Plugin {
  return {
    name: 'lvsctl-listed-packages',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        const name = packageOf(args.path);
        if (name === undefined || name.startsWith('node:') || isBuiltin(args.path) || listed.includes(name)) return undefined;
        return { path: args.path, external: true };
      });
    },
  };
}

/** What the manifest checks: each of dist/'s own files, and the package.json of each package (an install rewrites it). */
async function manifestInputs(bundleDir: string, workingDir: string, entry: string, inputs: readonly string[]): Promise<CliBundleManifest['inputs']> {
  const files = new Set<string>();
  for (const input of inputs) {
    const file = resolve(workingDir, input);
    if (file === entry) continue;
    const inPackage = /^(.*[\\/]node_modules[\\/](?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(file);
    files.add(inPackage ? join(inPackage[1], 'package.json') : file);
  }
  const entries: CliBundleManifest['inputs'] = [];
  for (const file of [...files].sort()) {
    const s = await stat(file);
    entries.push([relative(bundleDir, file).split(sep).join('/'), s.size, s.mtimeMs]);
  }
  return entries;
}

/** Bundles dist/'s CLI into bundleDir (dist/cli-bundle/) and trains its code cache; returns esbuild's warnings as text. */
export async function buildCliBundle(repo: string, bundleDir: string = join(repo, 'dist', 'cli-bundle')): Promise<string[]> {
  const dist = join(repo, 'dist');
  await rm(bundleDir, { recursive: true, force: true });
  await mkdir(bundleDir, { recursive: true });
  const result = await build({
    stdin: { contents: `module.exports = require(${JSON.stringify(join(dist, 'controller', 'cli', 'program.js'))});\n`, resolveDir: dist, sourcefile: ENTRY, loader: 'js' },
    absWorkingDir: repo,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: join(bundleDir, BUNDLE),
    banner: { js: 'const __lvsctlDirname = (own) => require("node:path").join(__dirname, own);' },
    // whitespace only: names stay readable in stack traces
    minifyWhitespace: true,
    legalComments: 'eof',
    metafile: true,
    logLevel: 'silent',
    plugins: [onlyListedPackagesPlugin(BUNDLED_PACKAGES), zodEnglishOnlyPlugin(), ownDirnamePlugin(bundleDir)],
  });
  const manifest: CliBundleManifest = {
    bundle: BUNDLE,
    codeCache: CODE_CACHE,
    inputs: await manifestInputs(bundleDir, repo, join(dist, ENTRY), Object.keys(result.metafile.inputs)),
  };
  await writeFile(join(bundleDir, CLI_BUNDLE_MANIFEST), JSON.stringify(manifest));
  // the training run: a node of its own, with no flags, as `lvsctl` will be started
  await run(process.execPath, [join(dist, 'scripts', 'package', 'train-cli-bundle.js'), bundleDir, JSON.stringify(TRAINING_RUNS)], { cwd: repo });
  await stat(join(bundleDir, CODE_CACHE)); // throws when the training run wrote none
  return result.warnings.map((w) => `${w.location ? `${w.location.file}:${w.location.line}: ` : ''}${w.text}`);
}
