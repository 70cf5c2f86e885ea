import assert from 'assert';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { fileGenerationStore } from '../../agent/state/generation';

describe('the generation kept in --state-dir', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lvsctl-gen-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is unknown before the first apply', async () => {
    assert.strictEqual(await fileGenerationStore(dir).lastApplied(), undefined);
  });

  it('survives a restart of the agent (a new store on the same dir)', async () => {
    await fileGenerationStore(dir).record(42);
    assert.strictEqual(await fileGenerationStore(dir).lastApplied(), 42);
  });

  it('is replaced by a rename, leaving no temp file behind', async () => {
    const store = fileGenerationStore(dir);
    await store.record(1);
    await store.record(2);
    assert.deepStrictEqual(readdirSync(dir), ['generation.json']);
    assert.strictEqual(await store.lastApplied(), 2);
  });

  it('creates the state dir if it is missing', async () => {
    const nested = join(dir, 'a', 'b');
    await fileGenerationStore(nested).record(3);
    assert.strictEqual(await fileGenerationStore(nested).lastApplied(), 3);
  });

  it('refuses a file edited into nonsense, saying what to do', async () => {
    writeFileSync(join(dir, 'generation.json'), '{"generation":"seven"}');
    await assert.rejects(fileGenerationStore(dir).lastApplied(), /"generation" is not an integer; remove the file if it was edited by hand/);
  });
});
