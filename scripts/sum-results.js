// Adds mocha result files (each { stats: { passes, failures, pending } }) into the one
// closing line CI reads: "N passed, N failed[, N skipped]". A missing file counts as a
// failure of that suite, so a suite that silently ran nothing cannot pass.
'use strict';
const fs = require('fs');

let passed = 0;
let failed = 0;
let skipped = 0;
let exit = 0;
for (const file of process.argv.slice(2)) {
  let stats;
  try {
    stats = JSON.parse(fs.readFileSync(file, 'utf8')).stats;
  } catch (err) {
    process.stderr.write(`no results in ${file}: that suite did not finish (${err.code || err.message})\n`);
    failed += 1;
    exit = 1;
    continue;
  }
  passed += stats.passes;
  failed += stats.failures;
  skipped += stats.pending;
  if (stats.passes + stats.failures === 0) {
    process.stderr.write(`${file}: the suite ran no test\n`);
    exit = 1;
  }
}
if (failed > 0) exit = 1;
console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ''));
process.exitCode = exit;
