// requireWithCodeCache: a CommonJS file run through vm.Script gets what Node's loader would give
// it (exports, require from its own directory, module, __filename, __dirname); a cache written at
// exit is taken by the next process, and a cache V8 refuses is ignored. Each load runs in a node
// of its own: V8 keeps compiled scripts in memory, which would hide whether the cache was read.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const LOADER = join(__dirname, '..', '..', '..', 'lvs', 'code-cached-script.js');

interface Loaded {
  cache: string;
  exports: { dir: string; file: string; moduleExportsIsExports: boolean; sibling: number; joined: string; answer: number };
}

async function loadInChild(file: string, cacheFile: string, writeCacheAtExit = false): Promise<Loaded> {
  const code = `const r = require(${JSON.stringify(LOADER)}).requireWithCodeCache(${JSON.stringify(file)}, ${JSON.stringify(cacheFile)}, { writeCacheAtExit: ${writeCacheAtExit} });
process.stdout.write(JSON.stringify({ cache: r.cache, exports: r.exports }));`;
  const { stdout } = await run(process.execPath, ['-e', code]);
  return JSON.parse(stdout) as Loaded;
}

describe('requireWithCodeCache', function () {
  this.timeout(30_000);
  let dir: string;
  let file: string;
  let cacheFile: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lvsctl-code-cache-'));
    file = join(dir, 'module.js');
    cacheFile = join(dir, 'module.v8-code-cache');
    writeFileSync(join(dir, 'sibling.js'), 'module.exports = 7;\n');
    writeFileSync(file, [
      "'use strict';",
      'exports.dir = __dirname;',
      'exports.file = __filename;',
      'exports.moduleExportsIsExports = module.exports === exports;',
      "exports.sibling = require('./sibling.js');",
      "exports.joined = require('node:path').join('a', 'b');",
      'function answer() { return 6 * 7; }',
      'exports.answer = answer();',
      '',
    ].join('\n'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const expected = (): Loaded['exports'] => ({ dir, file, moduleExportsIsExports: true, sibling: 7, joined: join('a', 'b'), answer: 42 });

  it('runs the file as Node would, with no cache there', async () => {
    const loaded = await loadInChild(file, cacheFile);
    assert.equal(loaded.cache, 'none');
    assert.deepEqual(loaded.exports, expected());
    assert.equal(existsSync(cacheFile), false, 'only a run told to writes the cache');
  });

  it('writes the cache at exit when told to, and the next process takes it', async () => {
    const training = await loadInChild(file, cacheFile, true);
    assert.equal(training.cache, 'none', 'a training run compiles afresh');
    assert.ok(statSync(cacheFile).size > 0);
    const next = await loadInChild(file, cacheFile);
    assert.equal(next.cache, 'used');
    assert.deepEqual(next.exports, expected());
  });

  it('ignores a cache V8 refuses (not a cache; made from another text) and runs the file', async () => {
    const garbage = join(dir, 'garbage.v8-code-cache');
    writeFileSync(garbage, Buffer.alloc(4096, 0x5a));
    const fromGarbage = await loadInChild(file, garbage);
    assert.equal(fromGarbage.cache, 'rejected');
    assert.deepEqual(fromGarbage.exports, expected());
    appendFileSync(file, '// the text changed since the cache was made\n');
    const changed = await loadInChild(file, cacheFile);
    assert.equal(changed.cache, 'rejected');
    assert.deepEqual(changed.exports, expected());
  });
});
