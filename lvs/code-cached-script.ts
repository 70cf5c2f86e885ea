// Runs one CommonJS file with V8's code cache of it: V8 then takes the bytecode of every
// function the cache holds instead of parsing and compiling it again. Node 20 has no
// module.enableCompileCache (22.1+), so this is vm.Script's cachedData, the one door V8
// gives. The cache is written by a run told to (writeCacheAtExit): made at exit, it holds the
// functions that run compiled, not only the top level. A cache V8 refuses (another Node, other
// flags, another file) is ignored: the file is compiled as usual.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { constants as vmConstants, Script } from 'node:vm';

/** What became of the cache: read and taken, read and refused by V8, or not there. */
export type CodeCacheUse = 'used' | 'rejected' | 'none';

export interface CodeCachedRun {
  exports: unknown;
  cache: CodeCacheUse;
}

export interface CodeCachedOptions {
  /** write V8's code cache of the file to cacheFile when the process exits */
  writeCacheAtExit?: boolean;
}

function readIfThere(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Loads `file` as a CommonJS module (its own require, module, __filename, __dirname), taking `cacheFile` when V8 accepts it. */
export function requireWithCodeCache(file: string, cacheFile: string, options: CodeCachedOptions = {}): CodeCachedRun {
  const source = readFileSync(file, 'utf8');
  const cachedData = options.writeCacheAtExit ? undefined : readIfThere(cacheFile);
  // the same wrapper as Node's own loader, so line numbers in stack traces are the file's
  const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n})`, {
    filename: file,
    ...(cachedData ? { cachedData } : {}),
    // an import() in the file loads as it would from a file Node loaded itself, where Node has the constant
    ...(vmConstants?.USE_MAIN_CONTEXT_DEFAULT_LOADER ? { importModuleDynamically: vmConstants.USE_MAIN_CONTEXT_DEFAULT_LOADER } : {}),
  });
  if (options.writeCacheAtExit) process.once('exit', () => writeFileSync(cacheFile, script.createCachedData()));
  const cache: CodeCacheUse = cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'used';
  const module = { exports: {} as unknown, filename: file };
  const wrapper = script.runInThisContext() as (e: unknown, r: NodeJS.Require, m: typeof module, f: string, d: string) => void;
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  return { exports: module.exports, cache };
}
