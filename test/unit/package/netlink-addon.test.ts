// A packaged agent loads netlink's N-API addon from its embedded copy: written to a private
// scratch directory, loaded, and the directory removed at once.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEmbeddedNetlinkAddon } from '../../../agent/kernel/linux/netlink-addon';

// dist/test/unit/package/ → the repository
const ADDON = join(__dirname, '..', '..', '..', '..', 'node_modules', 'netlink', 'prebuilds', `linux-${process.arch}`, 'node.napi.node');

describe('the embedded netlink addon', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'lvsctl-addon-test-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('loads from its bytes and leaves no file behind', () => {
    const exports = loadEmbeddedNetlinkAddon(readFileSync(ADDON), dir) as Record<string, unknown>;
    assert.equal(typeof exports.NativeNetlink, 'function', `the addon's exports: ${Object.keys(exports).join(', ')}`);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('says when there is no embedded addon (run from dist/), and cleans up after a broken one', () => {
    assert.throws(() => loadEmbeddedNetlinkAddon(undefined, dir), /the netlink addon is not embedded in this executable/);
    assert.throws(() => loadEmbeddedNetlinkAddon(Buffer.from('not an ELF file'), dir));
    assert.deepEqual(readdirSync(dir), []);
  });
});
