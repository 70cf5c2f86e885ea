// After tsc: marks the two CLI entry points executable (tsc keeps the shebang, not the mode),
// then writes the man pages and shell completions into dist/share/ (scripts/man/build-share.ts),
// then bundles each program into dist/cli-bundle/ and dist/agent-bundle/ (scripts/package/dist-bundles.ts).
const fs = require('fs');
const path = require('path');
for (const file of ['dist/controller/cli/main.js', 'dist/agent/main.js']) {
  if (fs.existsSync(file)) fs.chmodSync(file, 0o755);
}
const repo = path.join(__dirname, '..');
const { buildShare } = require(path.join(repo, 'dist', 'scripts', 'man', 'build-share.js'));
for (const file of buildShare(repo, path.join(repo, 'dist'))) console.log(`wrote ${path.relative(repo, file)}`);
const { buildDistBundles } = require(path.join(repo, 'dist', 'scripts', 'package', 'dist-bundles.js'));
buildDistBundles(repo).then(
  (warnings) => {
    for (const w of warnings) console.log(`postbuild: esbuild: ${w}`);
    console.log('wrote dist/cli-bundle/ and dist/agent-bundle/');
  },
  (error) => {
    console.error(`postbuild: the dist/ bundles: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
