// The last step of `npm run build` (scripts/postbuild.js): each program, from the built dist/,
// in one file, dist/cli-bundle/lvsctl.js and dist/agent-bundle/lvsctl-agent.js, with the list of
// files it was made from (manifest.json), and for lvsctl V8's code cache of a training run.
// dist/controller/cli/main.js and dist/agent/main.js run them while none of those files changed
// (lvs/dist-bundle.ts).
import { execFile } from 'node:child_process';
import { readFile, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { build, type Plugin } from 'esbuild';
import { DIST_BUNDLE_MANIFEST, type DistBundleManifest } from '../../lvs/dist-bundle';
import { EMBEDDED_PROTO_ASSET } from '../../lvs/wire/proto-source';
import { commanderLazyChildProcessPlugin, LAZY_NAMESPACE, zodEnglishOnlyPlugin } from './bundle';
import { agentProtoJson } from './proto-json';

const run = promisify(execFile);

export interface DistProgram {
  name: 'lvsctl' | 'lvsctl-agent';
  /** under dist/ */
  dir: string;
  /** the compiled module the bundle exports, under dist/ */
  program: string;
  /** which packages the bundle holds; the others load from node_modules when a command needs them */
  bundles: (pkg: string) => boolean;
  /** command lines a training run goes through, in one process, for V8's code cache; none: no cache */
  training?: readonly (readonly string[])[];
}

export const DIST_PROGRAMS: readonly DistProgram[] = [
  {
    name: 'lvsctl',
    dir: 'cli-bundle',
    program: join('controller', 'cli', 'program.js'),
    // what `--help` and `validate` run; gRPC, protobufjs, X.509, glob only a command's work needs,
    // so the bundle that every start reads stays small
    bundles: (pkg) => ['commander', 'zod', 'ssh-config'].includes(pkg),
    training: [['--help'], ['validate', join('examples', 'nat.json')]],
  },
  {
    name: 'lvsctl-agent',
    dir: 'agent-bundle',
    program: join('agent', 'program.js'),
    // all but what an idle agent never loads (agent/lazy-schema.ts, --metrics, --crl): those
    // stay out of the text every agent holds. No code cache: an agent starts once, and the
    // cache's bytecode would sit in its memory.
    bundles: (pkg) => !['zod', 'prom-client', '@peculiar/x509', 'reflect-metadata', 'glob', 'ssh-config'].includes(pkg),
  },
];

/** the entry, given to esbuild as text: no file to check */
const ENTRY = 'dist-bundle-entry.js';

/** A package's name from an import path: `@scope/name` or `name`; undefined for a relative or absolute path. */
export function packageOf(importPath: string): string | undefined {
  if (importPath.startsWith('.') || importPath.startsWith('/')) return undefined;
  const parts = importPath.split('/');
  return importPath.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function chosenPackagesPlugin(bundles: (pkg: string) => boolean): Plugin {
  return {
    name: 'lvsctl-chosen-packages',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        const name = packageOf(args.path);
        if (name === undefined || name.startsWith('node:') || isBuiltin(args.path) || bundles(name)) return undefined;
        return { path: args.path, external: true };
      });
    },
  };
}

/**
 * Each bundled file that reads __dirname gets its own directory, as Node would give it, not the
 * bundle's: lvs/version.ts finds package.json, lvs/wire/proto-source.ts the .proto files,
 * run-bootstrap.ts the systemd unit and netlink its addon from where they are. The banner holds
 * the bundle's directory; the directive prologue ("use strict") stays first.
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

/** lvs/bundled-assets.js, in the bundle, holds the wire contract as protobufjs JSON (the packaged executables' asset). */
function bundledAssetsPlugin(assets: Record<string, string>): Plugin {
  return {
    name: 'lvsctl-bundled-assets',
    setup(b) {
      b.onLoad({ filter: /[\\/]lvs[\\/]bundled-assets\.js$/ }, () => ({
        contents: `"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\nexports.BUNDLED_ASSETS = ${JSON.stringify(assets)};\n`,
        loader: 'js',
      }));
    },
  };
}

/** What the manifest checks: each of dist/'s own files, the package.json of each bundled package (an install rewrites it), and the extra files. */
async function manifestInputs(bundleDir: string, files: Iterable<string>): Promise<DistBundleManifest['inputs']> {
  const checked = new Set<string>();
  for (const file of files) {
    const inPackage = /^(.*[\\/]node_modules[\\/](?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(file);
    checked.add(inPackage ? join(inPackage[1], 'package.json') : file);
  }
  const entries: DistBundleManifest['inputs'] = [];
  for (const file of [...checked].sort()) {
    const s = await stat(file);
    entries.push([relative(bundleDir, file).split(sep).join('/'), s.size, s.mtimeMs]);
  }
  return entries;
}

/** Bundles `program` from repo/dist into bundleDir (default dist/DIR/) and trains its code cache; returns esbuild's warnings as text. */
export async function buildDistBundle(repo: string, program: DistProgram, bundleDir: string = join(repo, 'dist', program.dir)): Promise<string[]> {
  const dist = join(repo, 'dist');
  const proto = join(repo, 'proto', 'lvsctl', 'v1', 'agent.proto');
  await rm(bundleDir, { recursive: true, force: true });
  await mkdir(bundleDir, { recursive: true });
  const bundle = `${program.name}.js`;
  const result = await build({
    stdin: { contents: `module.exports = require(${JSON.stringify(join(dist, program.program))});\n`, resolveDir: dist, sourcefile: ENTRY, loader: 'js' },
    absWorkingDir: repo,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: join(bundleDir, bundle),
    banner: { js: 'const __lvsctlDirname = (own) => require("node:path").join(__dirname, own);' },
    // whitespace only: names stay readable in stack traces
    minifyWhitespace: true,
    // beside the bundle, not named in it (nothing at run time reads it): the bench's profiles
    // put each frame back in its dist/ file and line with it (bench/bundle-source-map.ts)
    sourcemap: 'external',
    sourcesContent: false,
    legalComments: 'eof',
    metafile: true,
    logLevel: 'silent',
    plugins: [
      chosenPackagesPlugin(program.bundles),
      bundledAssetsPlugin({ [EMBEDDED_PROTO_ASSET]: JSON.stringify(agentProtoJson(proto)) }),
      zodEnglishOnlyPlugin(),
      commanderLazyChildProcessPlugin(),
      ownDirnamePlugin(bundleDir),
    ],
  });
  // a plugin's module of its own (commander's lazy child_process) is named `namespace:name`, not a file
  const inputs = Object.keys(result.metafile.inputs)
    .filter((input) => !input.startsWith(`${LAZY_NAMESPACE}:`))
    .map((input) => resolve(repo, input))
    .filter((file) => file !== join(dist, ENTRY));
  const codeCache = program.training ? `${program.name}.v8-code-cache` : undefined;
  const manifest: DistBundleManifest = {
    bundle,
    ...(codeCache ? { codeCache } : {}),
    // the contract's JSON was made from agent.proto: a changed .proto makes the bundle stale
    inputs: await manifestInputs(bundleDir, [...inputs, proto]),
  };
  await writeFile(join(bundleDir, DIST_BUNDLE_MANIFEST), JSON.stringify(manifest));
  if (codeCache && program.training) {
    // the training run: a node of its own, with no flags, as the program will be started
    await run(process.execPath, [join(dist, 'scripts', 'package', 'train-dist-bundle.js'), bundleDir, JSON.stringify(program.training)], { cwd: repo });
    await stat(join(bundleDir, codeCache)); // throws when the training run wrote none
  }
  return result.warnings.map((w) => `${w.location ? `${w.location.file}:${w.location.line}: ` : ''}${w.text}`);
}

/** Both programs' bundles, in dist/. */
export async function buildDistBundles(repo: string): Promise<string[]> {
  const warnings: string[] = [];
  for (const program of DIST_PROGRAMS) {
    for (const w of await buildDistBundle(repo, program)) warnings.push(`${program.name}: ${w}`);
  }
  return warnings;
}
