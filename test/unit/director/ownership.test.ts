import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { OwnershipFileError, ownershipFilePath, readOwnership, writeOwnership, type DirectorOwnership } from '../../../agent/state/ownership';
import { tempDir } from '../../temp-dirs';

async function stateDir(): Promise<string> {
  return tempDir('lvsctl-state-');
}

const ownership: DirectorOwnership = {
  services: [{ kind: 'fwmark', mark: 1, family: 'inet' }, { kind: 'tcp', vip: '10.0.0.100', port: 80 }],
  markRules: [{ mark: 1, protocol: 'tcp', destination: '10.0.0.100', ports: ['80', '443'], inInterface: 'eth0' }],
  generation: 4,
  draining: [{ since: 1_700_000_000_000, service: { kind: 'tcp', vip: '10.0.0.100', port: 80 }, address: '10.0.0.13', port: 80 }],
};

describe('director ownership state', () => {
  it('owns nothing before the first apply', async () => {
    assert.deepEqual(await readOwnership(await stateDir()), { services: [], markRules: [], generation: 0, draining: [] });
  });

  it('reads back what it wrote', async () => {
    const dir = await stateDir();
    await writeOwnership(dir, ownership);
    assert.deepEqual(await readOwnership(dir), ownership);
  });

  it('keeps what it wrote for the next read, equal to a parse of the file, until the file changes', async () => {
    const dir = await stateDir();
    await writeOwnership(dir, ownership);
    const first = await readOwnership(dir);
    assert.equal(await readOwnership(dir), first, 'the file as written: the same value, not parsed again');
    assert.notEqual(first.services, ownership.services, 'a copy: the caller may go on with its own arrays');
    // the same bytes as a new file (another inode): parsed, and equal to what was kept
    const file = ownershipFilePath(dir);
    const text = await fs.readFile(file, 'utf8');
    await fs.writeFile(`${file}.new`, text);
    await fs.rename(`${file}.new`, file);
    const parsed = await readOwnership(dir);
    assert.notEqual(parsed, first);
    assert.deepEqual(parsed, first);
    // edited in place by hand (its size changed: a timestamp may not, within one clock tick): seen at once
    await fs.writeFile(file, text.replace('"generation":4', '"generation":40'));
    assert.equal((await readOwnership(dir)).generation, 40);
  });

  it('creates the state dir and leaves no temp file behind', async () => {
    const dir = path.join(await stateDir(), 'nested', 'lvsctl');
    await writeOwnership(dir, ownership);
    assert.deepEqual(await fs.readdir(dir), ['director-ownership.json']);
  });

  it('replaces an older file whole', async () => {
    const dir = await stateDir();
    await writeOwnership(dir, ownership);
    await writeOwnership(dir, { services: [], markRules: [], generation: 5, draining: [] });
    assert.deepEqual(await readOwnership(dir), { services: [], markRules: [], generation: 5, draining: [] });
  });

  it('reads a version 1 file (before drains) as draining nothing', async () => {
    const dir = await stateDir();
    await fs.writeFile(ownershipFilePath(dir), JSON.stringify({ version: 1, generation: 3, services: ownership.services, markRules: [] }), 'utf8');
    assert.deepEqual(await readOwnership(dir), { services: ownership.services, markRules: [], generation: 3, draining: [] });
  });

  const corrupt: Array<[string, string, RegExp]> = [
    ['truncated JSON', '{"version":1,"services":[', /is not valid JSON/],
    ['a wrong shape', JSON.stringify({ version: 1, generation: 1, services: [{ kind: 'tcp', vip: '10.0.0.100' }], markRules: [] }), /at \/services\/0\/port/],
    ['a future format', JSON.stringify({ version: 3, generation: 1, services: [], markRules: [] }), /at \/version/],
    // checked in slices, but still named as the whole-file check names it (services come before markRules)
    ['a bad key deep in 20,000 services', JSON.stringify({ version: 2, generation: 1, services: [...Array.from({ length: 19_999 }, (_, i) => ({ kind: 'tcp', vip: '10.0.0.100', port: i })), { kind: 'tcp', vip: '10.0.0.100' }], markRules: [{ mark: -1 }] }), /at \/services\/19999\/port/],
    ['a drain entry without its start time', JSON.stringify({ version: 2, generation: 1, services: [], markRules: [], draining: [{ service: { kind: 'tcp', vip: '10.0.0.100', port: 80 }, address: '10.0.0.13', port: 80 }] }), /at \/draining\/0\/since/],
  ];
  for (const [what, text, detail] of corrupt) {
    it(`refuses ${what} with an error naming the file and the fix`, async () => {
      const dir = await stateDir();
      await fs.writeFile(ownershipFilePath(dir), text, 'utf8');
      const error = await readOwnership(dir).catch((e: unknown) => e);
      assert.ok(error instanceof OwnershipFileError);
      assert.ok(error.message.startsWith(`${ownershipFilePath(dir)}:`), error.message);
      assert.match(error.message, detail);
      assert.match(error.message, /Fix: restore the file from a backup, or move it aside/);
    });
  }
});
