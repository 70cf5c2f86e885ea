// Node 22.1 and later can keep V8's compiled code of the modules a command loads, between
// runs (module.enableCompileCache; in the OS's temporary directory, NODE_COMPILE_CACHE=DIR
// moves it, NODE_DISABLE_COMPILE_CACHE=1 turns it off). Node 20 has no such call: there
// this does nothing.
import * as nodeModule from 'node:module';

export interface CompileCacheHost {
  enableCompileCache?: () => unknown;
}

/** Turns the cache on where Node has it; says whether it did. Never throws. */
export function enableCompileCache(host: CompileCacheHost = nodeModule as CompileCacheHost): boolean {
  if (typeof host.enableCompileCache !== 'function') return false;
  try {
    host.enableCompileCache();
    return true;
  } catch {
    return false; // a cache is an optimisation: without one the command runs as before
  }
}
