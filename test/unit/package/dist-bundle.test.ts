// freshDistBundle: a dist/ bundle is taken only while every file it was made from has the size and
// modification time the manifest wrote down; anything else (changed, touched, gone, no manifest)
// sends the program back to its compiled modules.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST_BUNDLE_MANIFEST, freshDistBundle, type DistBundleManifest } from '../../../lvs/dist-bundle';

describe('a dist/ bundle is fresh only while its inputs are as they were', () => {
  let root: string;
  let bundleDir: string;
  const inputs = ['dist/controller/a.js', 'dist/lvs/b.js', 'node_modules/pkg/package.json'];
  // whole seconds, so that a time set again with utimes is exactly the same
  const WRITTEN = new Date('2026-01-02T03:04:05Z');

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'lvsctl-bundle-fresh-'));
    bundleDir = join(root, 'dist', 'cli-bundle');
    mkdirSync(bundleDir, { recursive: true });
    for (const input of inputs) {
      mkdirSync(join(root, input, '..'), { recursive: true });
      writeFileSync(join(root, input), `// ${input}\n`);
      utimesSync(join(root, input), WRITTEN, WRITTEN);
    }
    const manifest: DistBundleManifest = {
      bundle: 'lvsctl.js',
      codeCache: 'lvsctl.v8-code-cache',
      inputs: inputs.map((input) => {
        const s = statSync(join(root, input));
        return [join('..', '..', input), s.size, s.mtimeMs];
      }),
    };
    writeFileSync(join(bundleDir, DIST_BUNDLE_MANIFEST), JSON.stringify(manifest));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('is fresh when nothing changed', () => {
    assert.equal(freshDistBundle(bundleDir)?.bundle, 'lvsctl.js');
  });

  it('is fresh where the file system keeps whole seconds (the lab guest\'s hostfs) and the manifest has milliseconds', () => {
    const path = join(bundleDir, DIST_BUNDLE_MANIFEST);
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as DistBundleManifest;
    manifest.inputs = manifest.inputs.map(([p, size, mtimeMs]) => [p, size, mtimeMs + 649.65]);
    writeFileSync(path, JSON.stringify(manifest));
    assert.equal(freshDistBundle(bundleDir)?.bundle, 'lvsctl.js');
  });

  it('is stale when a file was written again (tsc re-emits every file), even with the same text', () => {
    const file = join(root, inputs[1]);
    const later = new Date(statSync(file).mtimeMs + 5_000);
    utimesSync(file, later, later);
    assert.equal(freshDistBundle(bundleDir), undefined);
  });

  it('is stale when a file changed size', () => {
    const file = join(root, inputs[0]);
    writeFileSync(file, '// longer than it was when bundled\n');
    utimesSync(file, WRITTEN, WRITTEN); // the same time: the size alone tells
    assert.equal(freshDistBundle(bundleDir), undefined);
  });

  it('is stale when a package was reinstalled or a file is gone', () => {
    const pkg = join(root, inputs[2]);
    const later = new Date(statSync(pkg).mtimeMs + 5_000);
    utimesSync(pkg, later, later);
    assert.equal(freshDistBundle(bundleDir), undefined);
    unlinkSync(pkg);
    assert.equal(freshDistBundle(bundleDir), undefined);
  });

  it('is not there without a readable manifest', () => {
    writeFileSync(join(bundleDir, DIST_BUNDLE_MANIFEST), '{"bundle": "lvsctl.js", "inp');
    assert.equal(freshDistBundle(bundleDir), undefined);
    rmSync(join(bundleDir, DIST_BUNDLE_MANIFEST));
    assert.equal(freshDistBundle(bundleDir), undefined);
  });
});
