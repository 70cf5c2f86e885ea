import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import {
  emptyRealserverOwned,
  readRealserverOwned,
  realserverOwnedPath,
  writeRealserverOwned,
  type RealserverOwned,
} from '../../../agent/state/realserver-owned';
import { tempDir } from '../../temp-dirs';

const ownedDir = () => tempDir('lvsctl-owned-');

describe('realserver owned state', () => {
  it('owns nothing before the first prepare', async () => {
    assert.deepEqual(await readRealserverOwned(await ownedDir()), emptyRealserverOwned());
  });

  it('is read at each verify without a trip to the thread pool, whether the file is there or not', async () => {
    const pending = (): number => process.getActiveResourcesInfo().filter((r) => /^(FSReq|FileHandle|CloseReq)/.test(r)).length;
    const dir = await ownedDir();
    const owned: RealserverOwned = { generation: 4, addresses: [{ device: 'lo', address: '10.0.0.100', prefixlen: 32 }], links: [], sysctls: [] };
    for (const write of [false, true]) {
      if (write) await writeRealserverOwned(dir, owned);
      const before = pending();
      const reading = readRealserverOwned(dir);
      assert.equal(pending(), before, 'an asynchronous read would wait here as an FSReqPromise');
      assert.deepEqual(await reading, write ? owned : emptyRealserverOwned());
    }
  });

  it('reads back what it wrote, leaving no temporary file, in a directory it creates', async () => {
    const dir = path.join(await ownedDir(), 'state');
    const owned: RealserverOwned = {
      generation: 3,
      addresses: [{ device: 'lo', address: '10.0.0.100', prefixlen: 32 }],
      links: ['tunl0'],
      sysctls: [{ key: 'net.ipv4.conf.all.arp_ignore', value: '1', previous: '0' }],
    };
    await writeRealserverOwned(dir, owned);
    assert.deepEqual(await readRealserverOwned(dir), owned);
    assert.deepEqual(await fs.readdir(dir), ['realserver-owned.json']);
    assert.equal((await fs.stat(realserverOwnedPath(dir))).mode & 0o777, 0o600);
  });

  it('refuses a file with an unknown key, naming the place and the way out', async () => {
    const dir = await ownedDir();
    await fs.writeFile(realserverOwnedPath(dir), JSON.stringify({ version: 1, generation: 1, addresses: [], links: [], sysctls: [], extra: 1 }));
    await assert.rejects(readRealserverOwned(dir), /realserver-owned\.json: does not match the expected format at \/: .*move it aside/);
  });
});

describe('realserver verifier serialization', () => {
  it('runs two applies one after the other, never interleaved', async () => {
    const { bareHost, realserverPlan, rig } = await import('./rig');
    const host = bareHost();
    const order: string[] = [];
    const list = host.addresses.list;
    host.addresses.list = async () => {
      order.push('list-start');
      await new Promise((resolve) => setTimeout(resolve, 5));
      order.push('list-end');
      return list();
    };
    const r = await rig(host);
    await Promise.all([r.run(realserverPlan()), r.run(realserverPlan())]);
    assert.deepEqual(order, ['list-start', 'list-end', 'list-start', 'list-end']);
  });
});
