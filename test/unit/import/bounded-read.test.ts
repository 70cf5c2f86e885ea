// What lvsctl import reads is bounded: a stream that does not end (/dev/zero) or is larger
// than any table is refused once it passes the bound, not read until memory runs out.
import { strict as assert } from 'node:assert';
import { Readable } from 'node:stream';
import { ImportTooLargeError, MAX_IMPORT_BYTES, readBoundedFile, readBoundedText } from '../../../controller/import/bounded-read';

describe('lvsctl import reads at most 64 MiB', () => {
  it('reads a stream whole up to the bound', async () => {
    assert.equal(await readBoundedText(Readable.from([Buffer.from('-A -t '), Buffer.from('10.0.0.1:80\n')]), 100), '-A -t 10.0.0.1:80\n');
  });

  it('refuses a stream past the bound, saying so', async () => {
    await assert.rejects(readBoundedText(Readable.from([Buffer.alloc(60), Buffer.alloc(60)]), 100), ImportTooLargeError);
  });

  it('refuses /dev/zero once it has read 64 MiB of it, naming the bound', async () => {
    await assert.rejects(readBoundedFile('/dev/zero'), (e: unknown) => e instanceof ImportTooLargeError && /^more than 64 MiB, larger than any table lvsctl takes/.test(e.message));
    assert.equal(MAX_IMPORT_BYTES, 64 * 1024 * 1024);
  });
});
