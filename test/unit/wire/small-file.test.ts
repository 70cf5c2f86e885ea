// What lvsctl reads as a small file (PEM certificates and keys, a CRL, the ssh config) is bounded
// in size and in time: a regular file to its end, a pipe (`--key <(pass show …)`) as it comes
// within a few seconds, /dev/zero or a huge file refused, naming it, where a read of it blocked
// for ever or grew the process to gigabytes.
import assert from 'assert';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSshHostNames } from '../../../controller/inventory/ssh-config';
import { readCrlPem } from '../../../lvs/wire/crl-pem';
import { readSmallFileSync } from '../../../lvs/small-file';
import { readTlsFiles } from '../../../lvs/wire/tls-files';

describe('reading a small file, bounded in size and time', () => {
  let dir: string;
  let fifo: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lvsctl-regular-file-'));
    fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a regular file, and refuses a directory, /dev/zero and a file over the bound', () => {
    const small = join(dir, 'small.pem');
    writeFileSync(small, 'x'.repeat(100));
    assert.strictEqual(readSmallFileSync(small, 100).length, 100);
    assert.throws(() => readSmallFileSync(small, 99), /small\.pem is 100 bytes, more than the 99 such a file may be/);
    assert.throws(() => readSmallFileSync('/dev/zero', 1024), /\/dev\/zero is more than the 1024 bytes such a file may be/);
    assert.throws(() => readSmallFileSync(dir, 1024), /is a directory/);
    assert.throws(() => readSmallFileSync(join(dir, 'none'), 1024), /ENOENT/);
  });

  it('reads a pipe as its writer writes it (--key <(pass show …)), and gives up on one whose writer never ends', async () => {
    const writer = spawn('sh', ['-c', `sleep 0.2; printf 'BEGIN' > ${fifo}`]);
    const written = await new Promise<string>((resolve) => setTimeout(() => resolve(readSmallFileSync(fifo, 1024).toString()), 100));
    writer.kill();
    // nobody had the pipe open yet when it was opened: an empty read, or the writer's bytes
    assert.ok(written === '' || written === 'BEGIN', written);
    // exec: the sleep that holds the pipe open is the process killed below
    const holder = spawn('sh', ['-c', `exec 3>${fifo}; printf 'BEGIN'>&3; exec sleep 30`]);
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const started = Date.now();
      assert.throws(() => readSmallFileSync(fifo, 1024, 400), /fifo gave no end within 0\.4 s \(a pipe or a terminal nobody writes to\?\)/);
      assert.ok(Date.now() - started < 3000);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('--ca, --cert, --key and --crl as /dev/zero: a TLS file error naming the file, at once', () => {
    assert.throws(() => readTlsFiles({ ca: '/dev/zero', cert: '/dev/zero', key: '/dev/zero' }), /\/dev\/zero: the CA certificate is more than the 1048576 bytes such a file may be/);
    assert.throws(() => readCrlPem('/dev/zero'), /\/dev\/zero: the CRL is more than the 16777216 bytes such a file may be/);
  });

  it('--ssh-config as a FIFO nobody writes to: read as empty, not a wait for ever', async () => {
    const { problem, hostNames } = await readSshHostNames(fifo, true);
    assert.strictEqual(problem, undefined);
    assert.strictEqual(hostNames?.('web1'), undefined);
  });
});
