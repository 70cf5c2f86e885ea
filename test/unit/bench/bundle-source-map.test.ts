import assert from 'assert';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { remapBundleFrames } from '../../../bench/bundle-source-map';

describe('bench bundle-source-map: a bundle profile\'s frames back in their dist/ files', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lvsctl-bundle-map-'));
    await writeFile(join(dir, 'hot.js'), '// first line\n\nexports.hotLoop = function hotLoop(n) {\n  let s = 0;\n  for (let i = 0; i < n; i++) s += i;\n  return s;\n};\n');
    await writeFile(join(dir, 'entry.js'), 'const { hotLoop } = require("./hot");\nmodule.exports = function main() {\n  return hotLoop(10);\n};\n');
    // as scripts/package/dist-bundles.ts builds the agent's: whitespace minified, the map beside it
    await build({ entryPoints: [join(dir, 'entry.js')], bundle: true, platform: 'node', format: 'cjs', outfile: join(dir, 'bundle.js'), minifyWhitespace: true, sourcemap: 'external', sourcesContent: false, logLevel: 'silent' });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Where `text` starts in the bundle, as V8 numbers frames: line and column from 0. */
  async function bundlePosition(text: string): Promise<{ lineNumber: number; columnNumber: number }> {
    const bundle = await readFile(join(dir, 'bundle.js'), 'utf8');
    const at = bundle.indexOf(text);
    assert.ok(at >= 0, `${text} not in the bundle`);
    const before = bundle.slice(0, at).split('\n');
    return { lineNumber: before.length - 1, columnNumber: (before[before.length - 1] ?? '').length };
  }

  it('puts a bundle frame at its source file and line (the function on line 3 of hot.js)', async () => {
    const nodes = [{ callFrame: { functionName: 'hotLoop', url: `file://${join(dir, 'bundle.js')}`, ...(await bundlePosition('function hotLoop')) } }];
    assert.equal(remapBundleFrames(nodes), 1);
    assert.equal(nodes[0]?.callFrame.url, join(dir, 'hot.js'));
    assert.equal(nodes[0]?.callFrame.lineNumber, 2);
  });

  it('leaves frames of scripts without a map, node\'s own and native frames as they are', async () => {
    const nodes = [
      { callFrame: { functionName: 'hotLoop', url: join(dir, 'hot.js'), lineNumber: 2, columnNumber: 17 } },
      { callFrame: { functionName: 'wrapSafe', url: 'node:internal/modules/cjs/loader', lineNumber: 1421, columnNumber: 3 } },
      { callFrame: { functionName: '(garbage collector)', url: '', lineNumber: -1, columnNumber: -1 } },
    ];
    const before = JSON.stringify(nodes);
    assert.equal(remapBundleFrames(nodes), 0);
    assert.equal(JSON.stringify(nodes), before);
  });
});
