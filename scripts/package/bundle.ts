// One JavaScript file per program, made by esbuild from the built dist/ (the code the tests
// ran), for Node's single executable applications (sea.ts): a SEA runs one script and its
// require() reaches only Node's built-in modules, so every dependency must be inside it.
// What cannot be bundled as code rides as an asset (lvs/embedded-assets.ts): the wire
// contract and the netlink addon, whose package loader (node-gyp-build, which searches
// directories beside the package) is swapped for agent/kernel/linux/netlink-addon.ts.
import { build, type Plugin } from 'esbuild';
import { dirname, join } from 'node:path';

export interface Program {
  /** the executable's name */
  name: 'lvsctl' | 'lvsctl-agent';
  /** the script the bundle starts with: it calls the program's exported entry */
  entry: (dist: string) => string;
}

export const PROGRAMS: readonly Program[] = [
  {
    name: 'lvsctl',
    entry: (dist) => `require(${JSON.stringify(join(dist, 'controller', 'cli', 'program.js'))}).main(process.argv).then((code) => { process.exitCode = code; });\n`,
  },
  {
    name: 'lvsctl-agent',
    entry: (dist) => `require(${JSON.stringify(join(dist, 'agent', 'program.js'))}).runAgentCommand(process.argv);\n`,
  },
];

/** netlink's `require('node-gyp-build')(dir)` becomes a loader of the embedded addon; any other user of it is refused. */
function netlinkAddonPlugin(dist: string): Plugin {
  return {
    name: 'lvsctl-netlink-addon',
    setup(b) {
      b.onResolve({ filter: /^node-gyp-build$/ }, (args) => {
        if (!/[\\/]node_modules[\\/]netlink[\\/]/.test(args.importer)) {
          return { errors: [{ text: `${args.importer} loads a native addon through node-gyp-build: only netlink's is embedded (scripts/package/bundle.ts)` }] };
        }
        return { path: 'netlink-addon', namespace: 'lvsctl-embedded' };
      });
      b.onLoad({ filter: /.*/, namespace: 'lvsctl-embedded' }, () => ({
        contents: `module.exports = () => require(${JSON.stringify(join(dist, 'agent', 'kernel', 'linux', 'netlink-addon.js'))}).loadEmbeddedNetlinkAddon();\n`,
        loader: 'js',
        resolveDir: dist,
      }));
    },
  };
}

/**
 * zod's index of its 64 message locales becomes one of English alone: zod's own schemas load
 * `en` directly, lvsctl never picks another, and every `import 'zod'` reached the index, whose
 * modules each ran at start-up (a tenth of `lvsctl validate`'s own time, in a CPU profile of
 * the bundle). Only that file is replaced; `z.locales.en` is there as before.
 */
export function zodEnglishOnlyPlugin(): Plugin {
  return {
    name: 'lvsctl-zod-english-only',
    setup(b) {
      b.onLoad({ filter: /[\\/]node_modules[\\/]zod[\\/]v4[\\/]locales[\\/]index\.cjs$/ }, (args) => ({
        contents: `"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\nexports.en = require("./en.cjs").default;\n`,
        loader: 'js',
        resolveDir: dirname(args.path),
      }));
    },
  };
}

/** esbuild's namespace of the modules a plugin makes up (not files: a manifest leaves them out) */
export const LAZY_NAMESPACE = 'lvsctl-lazy';

/**
 * commander requires node:child_process as it loads, for subcommands that are executables of
 * their own (it spawns them); lvsctl has none. That load brings node:net and the stream
 * modules with it, about 5 ms of every lvsctl start, `--help` included. In a bundle,
 * commander's require of it gets an object that loads the real module on first use instead.
 */
export function commanderLazyChildProcessPlugin(): Plugin {
  return {
    name: 'lvsctl-commander-lazy-child-process',
    setup(b) {
      b.onResolve({ filter: /^(node:)?child_process$/ }, (args) => {
        if (!/[\\/]node_modules[\\/]commander[\\/]/.test(args.importer)) return undefined;
        return { path: 'commander-child-process', namespace: LAZY_NAMESPACE };
      });
      b.onLoad({ filter: /.*/, namespace: LAZY_NAMESPACE }, () => ({
        contents: `"use strict";\nlet loaded;\nmodule.exports = new Proxy({}, { get: (_, key) => (loaded ??= require("node:child_process"))[key] });\n`,
        loader: 'js',
      }));
    },
  };
}

/** Bundles `program` from `dist` into `outfile`; returns esbuild's warnings as text. */
export async function bundleProgram(program: Program, dist: string, outfile: string): Promise<string[]> {
  const result = await build({
    stdin: { contents: program.entry(dist), resolveDir: dist, sourcefile: `${program.name}-entry.js`, loader: 'js' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile,
    // whitespace only: names stay readable in stack traces, and parsing is a little quicker
    minifyWhitespace: true,
    legalComments: 'eof',
    logLevel: 'silent',
    plugins: [netlinkAddonPlugin(dist), zodEnglishOnlyPlugin(), commanderLazyChildProcessPlugin()],
  });
  return result.warnings.map((w) => `${w.location ? `${w.location.file}:${w.location.line}: ` : ''}${w.text}`);
}
