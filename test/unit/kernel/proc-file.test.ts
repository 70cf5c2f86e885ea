// The one reader of large /proc files (agent/kernel/linux/proc-file.ts): the listing of the
// IPVS table and the connection table. A regular file stands in for them here.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { procConnectionsReader } from '../../../agent/kernel/linux/ipvs-conn-file';
import { readProcFilePieces } from '../../../agent/kernel/linux/proc-file';
import { pauseCount } from '../../../lvs/yield-point';

describe('reading a large /proc file in slices', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'lvsctl-proc-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file of many chunks whole, byte for byte', async () => {
    const text = Array.from({ length: 20_000 }, (_, i) => `  -> 0A00000B:${i.toString(16).toUpperCase().padStart(4, '0')}      Masq    1      0          0`).join('\n');
    const file = join(dir, 'ip_vs');
    writeFileSync(file, text);
    assert.equal((await readProcFilePieces(file, 64 * 1024 * 1024)).join(''), text);
  });

  it('hands a big file back in the pieces it read, none over 64 KiB, the same text joined', async () => {
    const text = Array.from({ length: 20_000 }, (_, i) => `  -> 0A00000B:${i.toString(16).toUpperCase().padStart(4, '0')}      Masq    1      0          0`).join('\n');
    const file = join(dir, 'ip_vs');
    writeFileSync(file, text);
    const pieces = await readProcFilePieces(file, 64 * 1024 * 1024);
    assert.ok(pieces.length > 1 && pieces.every((piece) => piece.length <= 64 * 1024), `pieces of ${pieces.map((piece) => piece.length).join(', ')}`);
    assert.equal(pieces.join(''), text);
    writeFileSync(file, '');
    assert.deepEqual(await readProcFilePieces(file, 100), ['']);
  });

  it('refuses a file past its bound, naming the file, the bound and what it means', async () => {
    const file = join(dir, 'ip_vs_conn');
    writeFileSync(file, 'x'.repeat(200_000));
    await assert.rejects(procConnectionsReader(file, 100_000)(), /ip_vs_conn holds more than 100000 bytes; not read \(the connection table is too large to read whole\)/);
  });

  it('reads a busy director\'s connection table only as far as the limit asked for, giving the event loop its turn meanwhile', async () => {
    const file = join(dir, 'ip_vs_conn');
    const line = (i: number): string => `TCP 0A00${(i >> 8 & 255).toString(16).toUpperCase().padStart(2, '0')}${(i & 255).toString(16).toUpperCase().padStart(2, '0')} C2FA 0A000064 0050 0A00000C 0050 ESTABLISHED     899`;
    const lines = Array.from({ length: 200_000 }, (_, i) => line(i));
    writeFileSync(file, `Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n${lines.join('\n')}\n`);
    // a bound below the file's size: the whole table is refused, the first 10,000 entries are not
    await assert.rejects(procConnectionsReader(file, 4_000_000)(), /holds more than 4000000 bytes; not read \(the connection table is too large to read whole\)/);
    const first = await procConnectionsReader(file, 4_000_000)({ limit: 10_000 });
    assert.equal(first.length, 10_000);
    assert.deepEqual(first[9_999].client, { address: '10.0.39.15', port: 0xc2fa });
    const pausesBefore = pauseCount();
    const all = await procConnectionsReader(file)({ limit: 1_000_000 });
    assert.equal(all.length, 200_000);
    // 200,000 lines take far more than one 20 ms slice: a read that never paused would leave this at 0
    assert.ok(pauseCount() > pausesBefore, 'the read never gave the event loop its turn');
  });

  it('hands the connection table to its parser', async () => {
    const file = join(dir, 'ip_vs_conn');
    writeFileSync(file, 'Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\nTCP 0A0000C8 C2F2 0A000064 0050 0A00000C 0050 ESTABLISHED     899\n');
    const [entry] = await procConnectionsReader(file)();
    assert.deepEqual([entry.client, entry.virtual, entry.destination], [{ address: '10.0.0.200', port: 0xc2f2 }, { address: '10.0.0.100', port: 80 }, { address: '10.0.0.12', port: 80 }]);
  });
});
