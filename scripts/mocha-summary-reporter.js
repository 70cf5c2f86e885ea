// Mocha reporter: the usual spec output for people, plus the counts written as JSON to
// the file named by --reporter-option summary=FILE, so scripts/test-all.sh can add the
// host suite and the lab suite into one closing line.
'use strict';
const fs = require('fs');
const path = require('path');
const Mocha = require('mocha');

class SpecAndSummary extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const file = options.reporterOption && options.reporterOption.summary;
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      if (!file) return;
      const { passes, failures, pending, tests } = this.stats;
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify({ stats: { passes, failures, pending, tests } }) + '\n');
    });
  }
}

module.exports = SpecAndSummary;
