// mkdir -p without Node's recursive mkdir, which spins forever on a path under /proc.
import { strict as assert } from 'node:assert';
import { mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeDirectory, makeDirectorySync } from '../../../lvs/make-directory';
import { tempDirSync } from '../../temp-dirs';

const code = (error: unknown): string | undefined => (error as NodeJS.ErrnoException).code;

for (const [name, make] of [
  ['makeDirectory', makeDirectory],
  ['makeDirectorySync', async (dir: string, mode: number) => makeDirectorySync(dir, mode)],
] as const) {
  describe(name, () => {
    it('makes the directory and the parents it lacks, each with the mode, and takes one that exists', async () => {
      const root = tempDirSync('lvsctl-mkdir-');
      const dir = join(root, 'a', 'b', 'c');
      await make(dir, 0o700);
      for (const d of [join(root, 'a'), join(root, 'a', 'b'), dir]) assert.equal(statSync(d).mode & 0o777, 0o700);
      await make(dir, 0o700);
      mkdirSync(join(root, 'real'));
      symlinkSync(join(root, 'real'), join(root, 'link'));
      await make(join(root, 'link'), 0o700);
    });

    it('fails with EEXIST on a file, ENOTDIR under one, ENOENT through a link to nothing', async () => {
      const root = tempDirSync('lvsctl-mkdir-');
      writeFileSync(join(root, 'file'), '');
      symlinkSync(join(root, 'nowhere'), join(root, 'dangling'));
      await assert.rejects(make(join(root, 'file'), 0o700), (e) => code(e) === 'EEXIST');
      await assert.rejects(make(join(root, 'file', 'below'), 0o700), (e) => code(e) === 'ENOTDIR');
      await assert.rejects(make(join(root, 'dangling'), 0o700), (e) => code(e) === 'ENOENT');
    });

    it('fails at once under /proc, where the parent exists and mkdir still says ENOENT', async () => {
      await assert.rejects(make('/proc/lvsctl-test/state', 0o700), (e) => code(e) === 'ENOENT');
    });
  });
}
