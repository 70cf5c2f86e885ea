// What lvsctl reads as a small file (PEM certificates and keys, a CRL, the ssh config) must be
// a regular file of a sane size: a FIFO, /dev/zero or a huge file is refused at once, naming
// it, where a read of it blocked for ever or grew the process to gigabytes.
import assert from 'assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSshHostNames } from '../../../controller/inventory/ssh-config';
import { readCrlPem } from '../../../lvs/wire/crl-pem';
import { readRegularFileSync } from '../../../lvs/regular-file';
import { readTlsFiles } from '../../../lvs/wire/tls-files';

describe('reading a small file that must be a regular file', () => {
  let dir: string;
  let fifo: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lvsctl-regular-file-'));
    fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a regular file, and refuses a FIFO, a device, a directory and a file over the bound without reading them', () => {
    const small = join(dir, 'small.pem');
    writeFileSync(small, 'x'.repeat(100));
    assert.strictEqual(readRegularFileSync(small, 100).length, 100);
    assert.throws(() => readRegularFileSync(small, 99), /small\.pem is 100 bytes, more than the 99 such a file may be/);
    assert.throws(() => readRegularFileSync(fifo, 1024), /fifo is not a regular file \(a pipe or a device\?\)/);
    assert.throws(() => readRegularFileSync('/dev/zero', 1024), /\/dev\/zero is not a regular file/);
    assert.throws(() => readRegularFileSync(dir, 1024), /is a directory/);
    assert.throws(() => readRegularFileSync(join(dir, 'none'), 1024), /ENOENT/);
  });

  it('--ca, --cert, --key and --crl as a FIFO or /dev/zero: a TLS file error naming the file, at once', () => {
    assert.throws(() => readTlsFiles({ ca: fifo, cert: '/dev/zero', key: '/dev/zero' }), (err: Error) => {
      assert.match(err.message, /fifo: the CA certificate is not a regular file \(a pipe or a device\?\) \(give the path of the PEM file itself\)/);
      return true;
    });
    assert.throws(() => readCrlPem('/dev/zero'), /\/dev\/zero: the CRL is not a regular file \(a pipe or a device\?\)/);
  });

  it('--ssh-config as a FIFO: a plan problem naming it, not a wait for ever', async () => {
    const { problem } = await readSshHostNames(fifo, true);
    assert.match(problem?.message ?? '', /cannot read the ssh config .*fifo: is not a regular file/);
  });
});
