// The agent's one way to write a file it owns: every kind of body lands whole, the directory is
// made (with its mode) only when missing, and nothing but the file is left behind.
import assert from 'assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { writeFileAtomically } from '../../../agent/kernel/atomic-file';

describe('writeFileAtomically', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lvsctl-atomic-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes text, bytes, an array of pieces (one writev), and pieces from an async iterable', async () => {
    const file = join(dir, 'f');
    await writeFileAtomically(file, 'text é\n');
    assert.strictEqual(readFileSync(file, 'utf8'), 'text é\n');
    await writeFileAtomically(file, Buffer.from([1, 2, 3]));
    assert.deepStrictEqual([...readFileSync(file)], [1, 2, 3]);
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    await writeFileAtomically(file, ['{"envelope":"é"}\n', big, 'tail']);
    const written = readFileSync(file);
    const head = Buffer.from('{"envelope":"é"}\n', 'utf8');
    assert.strictEqual(written.length, head.length + big.length + 4);
    assert.ok(written.subarray(0, head.length).equals(head));
    assert.ok(written.subarray(head.length, head.length + big.length).equals(big));
    assert.strictEqual(written.subarray(head.length + big.length).toString(), 'tail');
    await writeFileAtomically(file, (async function* () {
      yield 'a';
      yield Buffer.from('b');
    })());
    assert.strictEqual(readFileSync(file, 'utf8'), 'ab');
    assert.deepStrictEqual(readdirSync(dir), ['f'], 'no temp file left behind');
    assert.strictEqual(statSync(file).mode & 0o777, 0o600);
  });

  it('writes a small body on its own thread, waiting in the thread pool only for the fsync; a large one as before', async () => {
    const pending = (): number => process.getActiveResourcesInfo().filter((r) => /^(FSReq|FileHandle|CloseReq)/.test(r)).length;
    const file = join(dir, 'generation.json');
    const before = pending();
    const writing = writeFileAtomically(file, '{"generation":7}\n');
    assert.strictEqual(pending(), before + 1, 'one request in the thread pool: the fsync (five, one after another, before)');
    const [temp] = readdirSync(dir);
    assert.match(temp ?? '', /^generation\.json\.lvsctl-.*\.tmp$/);
    assert.strictEqual(readFileSync(join(dir, temp as string), 'utf8'), '{"generation":7}\n', 'the body is in the temp file before the fsync ends');
    await writing;
    assert.deepStrictEqual(readdirSync(dir), ['generation.json']);
    assert.strictEqual(readFileSync(file, 'utf8'), '{"generation":7}\n');
    const large = 'é'.repeat(100_000);
    await writeFileAtomically(file, large);
    assert.strictEqual(readFileSync(file, 'utf8'), large);
    assert.deepStrictEqual(readdirSync(dir), ['generation.json']);
  });

  it('writes a few small pieces (a last-plan patch: envelope and new bytes) as a small body, joined in order', async () => {
    const pending = (): number => process.getActiveResourcesInfo().filter((r) => /^(FSReq|FileHandle|CloseReq)/.test(r)).length;
    const file = join(dir, 'last-applied-plan.patch');
    const before = pending();
    const body = Buffer.concat([Buffer.from('{"version":1,"é":true}\n', 'utf8'), Buffer.from([0, 1, 2, 255])]);
    const writing = writeFileAtomically(file, ['{"version":1,"é":true}\n', Buffer.from([0, 1, 2, 255])]);
    assert.strictEqual(pending(), before + 1, 'one request in the thread pool: the fsync');
    const [temp] = readdirSync(dir);
    assert.ok(readFileSync(join(dir, temp as string)).equals(body), 'the pieces are in the temp file before the fsync ends');
    await writing;
    assert.ok(readFileSync(file).equals(body));
    assert.deepStrictEqual(readdirSync(dir), ['last-applied-plan.patch']);
  });

  it('answers the identity of a small file as written, and makes its missing directory', async () => {
    const file = join(dir, 'a', 'owned.json');
    const identity = await writeFileAtomically(file, 'x', { identity: true, directoryMode: 0o750 });
    const stat = statSync(file, { bigint: true });
    assert.deepStrictEqual(identity, { ino: stat.ino, size: stat.size, mtimeNs: stat.mtimeNs });
    assert.strictEqual(statSync(join(dir, 'a')).mode & 0o777, 0o750 & ~process.umask());
  });

  it('makes a missing directory with the mode asked for, and leaves an existing one as it is', async () => {
    const nested = join(dir, 'a', 'b');
    await writeFileAtomically(join(nested, 'f'), 'x', { directoryMode: 0o750, fileMode: 0o640 });
    assert.strictEqual(readFileSync(join(nested, 'f'), 'utf8'), 'x');
    assert.strictEqual(statSync(nested).mode & 0o777, 0o750 & ~process.umask());
    assert.strictEqual(statSync(join(nested, 'f')).mode & 0o777, 0o640 & ~process.umask());
    const before = statSync(dir).mode & 0o777;
    await writeFileAtomically(join(dir, 'g'), 'y', { directoryMode: 0o711 });
    assert.strictEqual(statSync(dir).mode & 0o777, before);
  });

  it('fails, leaving the old file, when the directory cannot be made', async () => {
    writeFileSync(join(dir, 'plain'), '');
    await assert.rejects(writeFileAtomically(join(dir, 'plain', 'f'), 'x'), /ENOTDIR/);
    const file = join(dir, 'kept');
    await writeFileAtomically(file, 'old');
    await assert.rejects(writeFileAtomically(file, (async function* () {
      yield 'new';
      throw new Error('the body failed');
    })()), /the body failed/);
    assert.strictEqual(readFileSync(file, 'utf8'), 'old');
    assert.deepStrictEqual(readdirSync(dir).sort(), ['kept', 'plain']);
  });
});
