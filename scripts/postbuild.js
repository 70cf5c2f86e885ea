// After tsc: marks the two CLI entry points executable (tsc keeps the shebang, not the mode),
// then writes the man pages and shell completions into dist/share/ (scripts/man/build-share.ts),
// then bundles the CLI into dist/cli-bundle/ with its code cache (scripts/package/cli-bundle.ts).
const fs = require('fs');
const path = require('path');
for (const file of ['dist/controller/cli/main.js', 'dist/agent/main.js']) {
  if (fs.existsSync(file)) fs.chmodSync(file, 0o755);
}
const repo = path.join(__dirname, '..');
const { buildShare } = require(path.join(repo, 'dist', 'scripts', 'man', 'build-share.js'));
for (const file of buildShare(repo, path.join(repo, 'dist'))) console.log(`wrote ${path.relative(repo, file)}`);
const { buildCliBundle } = require(path.join(repo, 'dist', 'scripts', 'package', 'cli-bundle.js'));
buildCliBundle(repo).then(
  (warnings) => {
    for (const w of warnings) console.log(`postbuild: esbuild (the CLI bundle): ${w}`);
    console.log('wrote dist/cli-bundle/');
  },
  (error) => {
    console.error(`postbuild: the CLI bundle: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
