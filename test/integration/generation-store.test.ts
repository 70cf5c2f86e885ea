import assert from 'assert';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { fileGenerationStore, GenerationFileError } from '../../agent/state/generation';

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

  it('is read once per store: later answers are what this store read or wrote, the file stays the truth at the next start', async () => {
    const store = fileGenerationStore(dir);
    await store.record(5);
    // changed behind the store's back (no agent does): this store goes on with its own value
    writeFileSync(join(dir, 'generation.json'), '{"generation":9}\n');
    assert.strictEqual(await store.lastApplied(), 5);
    assert.strictEqual(await fileGenerationStore(dir).lastApplied(), 9);
    await store.record(6);
    assert.strictEqual(await fileGenerationStore(dir).lastApplied(), 6);
  });

  it('reads the file again after a write that failed', async () => {
    const store = fileGenerationStore(dir);
    await store.record(5);
    // the state dir's path made unusable: a file where the directory was
    const blocked = join(dir, 'blocked');
    writeFileSync(blocked, '');
    const inBlocked = fileGenerationStore(join(blocked, 'sub'));
    await assert.rejects(inBlocked.record(7));
    await assert.rejects(inBlocked.lastApplied(), /ENOTDIR/);
    assert.strictEqual(await store.lastApplied(), 5);
  });

  it('refuses a file edited into nonsense, naming the file and saying what to do', async () => {
    const file = join(dir, 'generation.json');
    for (const [text, problem] of [
      ['{"generation":"seven"}', /: "generation" is not an integer/],
      ['null', /: "generation" is not an integer/],
      ['{"garbage', /: not JSON \(Unterminated string in JSON/],
    ] as const) {
      writeFileSync(file, text);
      await assert.rejects(fileGenerationStore(dir).lastApplied(), (err: unknown) => {
        assert.ok(err instanceof GenerationFileError);
        assert.ok(err.message.startsWith(`${file}: `), err.message);
        assert.match(err.message, problem);
        assert.match(err.message, /Fix: remove the file \(the next apply writes it again/);
        return true;
      });
    }
  });
});
