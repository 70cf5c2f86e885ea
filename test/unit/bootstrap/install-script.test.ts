// The script bootstrap runs over ssh to put one file in place, run here by /bin/sh against a
// temporary directory: the file arrives whole or not at all, and no partial
// FILE.lvsctl-new stays behind, whether the checksum is wrong or the connection is cut.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installScript } from '../../../controller/bootstrap/remote-shell';

interface Run { code: number | null; signal: NodeJS.Signals | null; stderr: string }

/** Runs the script with `input` on stdin; `cut` leaves stdin open and sends the group SIGHUP once the file has begun. */
function run(script: string, input: Buffer, cut?: { whenExists: string }, stderrGone = false): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', script], { detached: true, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    // ssh without a tty whose connection dropped: no SIGHUP, stdin at its end, stderr a pipe nobody reads
    if (stderrGone) child.stderr.destroy();
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
    child.stdin.write(input);
    if (!cut) return void child.stdin.end();
    const waitForFile = setInterval(() => {
      if (!existsSync(cut.whenExists)) return;
      clearInterval(waitForFile);
      process.kill(-child.pid!, 'SIGHUP'); // what sshd does to the session when the connection drops
      child.stdin.destroy();
    }, 10);
  });
}

describe('bootstrap\'s install script (run by /bin/sh)', function () {
  this.timeout(10_000);
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'lvsctl-install-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const file = (content: Buffer) => ({ path: join(dir, 'etc', "it's", 'web1.key'), mode: '600' as const, sha256: createHash('sha256').update(content).digest('hex') });

  it('puts the file in place with its mode, and nothing beside it', async () => {
    const content = Buffer.from('-----BEGIN PRIVATE KEY-----\n');
    const r = await run(installScript(file(content)), content);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readFileSync(file(content).path), content);
    assert.equal(existsSync(`${file(content).path}.lvsctl-new`), false);
  });

  it('a copy with another checksum fails, naming both, and leaves neither the file nor the partial copy', async () => {
    const r = await run(installScript(file(Buffer.from('whole'))), Buffer.from('who'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the copy arrived with checksum [0-9a-f]{64}, not [0-9a-f]{64}/);
    assert.equal(existsSync(file(Buffer.from('whole')).path), false);
    assert.equal(existsSync(`${file(Buffer.from('whole')).path}.lvsctl-new`), false);
  });

  it('a connection cut in the middle of the copy (SIGHUP) leaves no partial copy', async () => {
    const target = file(Buffer.alloc(1 << 20));
    const r = await run(installScript(target), Buffer.alloc(4096), { whenExists: `${target.path}.lvsctl-new` });
    assert.notEqual(r.code, 0);
    assert.equal(existsSync(target.path), false);
    assert.equal(existsSync(`${target.path}.lvsctl-new`), false, 'the partial copy stayed');
  });

  it('a connection cut without SIGHUP (no tty: stdin ends early, stderr gone) leaves no partial copy either', async () => {
    const target = file(Buffer.alloc(1 << 20));
    // the checksum message then dies on SIGPIPE, which must still run the clean-up
    const r = await run(installScript(target), Buffer.alloc(100 * 1024), undefined, true);
    assert.notEqual(r.code, 0);
    assert.equal(existsSync(target.path), false);
    assert.equal(existsSync(`${target.path}.lvsctl-new`), false, 'the partial copy stayed');
  });
});
