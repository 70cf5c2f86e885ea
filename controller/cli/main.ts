#!/usr/bin/env node
// lvsctl's entry (package.json "bin"): the program from dist/cli-bundle/ while that is fresh
// (lvs/dist-bundle.ts), else program.ts as compiled. Nothing else is loaded before the choice.
import { join } from 'node:path';
import { loadDistBundle } from '../../lvs/dist-bundle';

type Main = (argv: string[]) => Promise<number>;

/** dist/cli-bundle/, from dist/controller/cli/ */
export const CLI_BUNDLE_DIR = join(__dirname, '..', '..', 'cli-bundle');

function programMain(): Main {
  const bundled = loadDistBundle(CLI_BUNDLE_DIR);
  if (bundled) return (bundled.exports as { main: Main }).main;
  (require('./compile-cache') as typeof import('./compile-cache')).enableCompileCache();
  return (require('./program') as typeof import('./program')).main;
}

if (require.main === module) {
  programMain()(process.argv).then((code) => {
    process.exitCode = code;
  });
}
