#!/usr/bin/env node
// lvsctl's entry (package.json "bin"): the program from dist/cli-bundle/ while it is fresh
// (bundled-cli.ts), else program.ts as compiled. LVSCTL_NO_BUNDLE=1 always takes the
// compiled modules (stack traces name dist/'s files). Nothing else is loaded before the choice.
import { loadCliBundle } from './bundled-cli';

function programMain(): (argv: string[]) => Promise<number> {
  if (process.env.LVSCTL_NO_BUNDLE !== '1') {
    const bundled = loadCliBundle();
    if (bundled) return bundled.main;
  }
  (require('./compile-cache') as typeof import('./compile-cache')).enableCompileCache();
  return (require('./program') as typeof import('./program')).main;
}

if (require.main === module) {
  programMain()(process.argv).then((code) => {
    process.exitCode = code;
  });
}
