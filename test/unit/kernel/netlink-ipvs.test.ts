// The netlink backend's own behaviour over a byte-level fake kernel: how it packs a batch,
// maps refusals back, bounds and times its exchanges, spreads dumps over sockets, and
// always closes what it opened.
import { strict as assert } from 'node:assert';
import { NetlinkIpvs, type NetlinkIpvsOptions } from '../../../agent/kernel/linux/netlink-ipvs';
import { IpvsBatchError } from '../../../lvs/formats/ipvs-netlink-errors';
import type { IpvsService } from '../../../lvs/model';
import type { IpvsOperation } from '../../../lvs/operations';
import { FakeGenlKernel } from './fake-genl-kernel';
import { addAll } from './ipvs-contract';

function table(services: number, destinations: number): IpvsService[] {
  return Array.from({ length: services }, (_, i) => ({
    service: { key: { kind: 'tcp', vip: `10.1.${Math.floor(i / 250)}.${(i % 250) + 1}`, port: 80 }, scheduler: 'wlc', flags: [] },
    destinations: Array.from({ length: destinations }, (_, j) => ({ address: `10.2.0.${j + 1}`, port: 80, weight: 1, forwarding: 'dr' as const })),
  }));
}

function backend(kernel: FakeGenlKernel, options: Partial<NetlinkIpvsOptions> = {}): NetlinkIpvs {
  return new NetlinkIpvs({ openSocket: kernel.sockets(), readConnections: async () => [], ...options });
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('IPVS over netlink', () => {
  it('packs 3,300 operations into sendmsg calls of at most 64 KiB, only the last message of each asking for an ACK', async () => {
    const kernel = new FakeGenlKernel();
    const ops = addAll(table(300, 10));
    await backend(kernel).applyBatch(ops);
    const batches = kernel.sends.filter((s) => s.messages > 1);
    assert.ok(batches.length > 1, 'more than one sendmsg');
    assert.equal(batches.reduce((n, s) => n + s.messages, 0), ops.length);
    for (const s of batches) {
      assert.ok(s.bytes <= 64 * 1024, `${s.bytes} bytes in one sendmsg`);
      assert.equal(s.acks, 1);
    }
    assert.equal(kernel.serviceCount(), 300);
  });

  it('puts in one sendmsg as many messages as the receive buffer holds the error replies of, every one failing', async () => {
    const kernel = new FakeGenlKernel();
    const ops = addAll(table(300, 10));
    await backend(kernel).applyBatch(ops);
    const batches = kernel.sends.filter((s) => s.messages > 1);
    const receiveBuffer = 425_984; // the fake's SO_RCVBUF: 2 x rmem_max's usual 212,992
    for (const s of batches) {
      // each reply: the echoed message (its bytes, on average) and at most 1 KiB of skb
      assert.ok(s.messages * (1024 + s.bytes / s.messages) <= receiveBuffer, `${s.messages} messages of ${s.bytes} bytes`);
    }
    // the buffer, not the 64 KiB, bounds a sendmsg here: all of it is used (at half, these 3,300 commands took 19 sendmsg calls)
    assert.ok(batches.length <= 10, `${batches.length} sendmsg calls`);
  });

  it('maps each refused operation back to its place in the batch; the others take effect', async () => {
    const kernel = new FakeGenlKernel();
    const ops = addAll(table(300, 10));
    const duplicate: IpvsOperation = ops[0];
    const missing: IpvsOperation = { op: 'delete-destination', key: { kind: 'tcp', vip: '10.9.9.9', port: 80 }, destination: { address: '10.2.0.1', port: 80, weight: 1, forwarding: 'dr' } };
    const batch = [...ops.slice(0, 5), duplicate, ...ops.slice(5, 3000), missing, ...ops.slice(3000)];
    const error = await rejection(backend(kernel).applyBatch(batch));
    assert.ok(error instanceof IpvsBatchError);
    assert.deepEqual(error.refusals.map((r) => [r.index, r.message]), [
      [5, 'tcp 10.1.0.1:80: Service already exists'],
      [3001, 'tcp 10.9.9.9:80 -> 10.2.0.1:80: Service not defined'],
    ]);
    assert.match(error.message, /^IPVS refused 2 of 3302 operation\(s\): add-service tcp 10\.1\.0\.1:80: Service already exists; delete-destination/);
    assert.equal((await backend(kernel).read()).services.reduce((n, s) => n + s.destinations.length, 0), 3000);
  });

  it('says the outcome is unknown when the kernel dropped replies (ENOBUFS)', async () => {
    const kernel = new FakeGenlKernel();
    kernel.overrunNextBatch = true;
    const error = await rejection(backend(kernel).applyBatch(addAll(table(3, 2))));
    assert.match(error.message, /did not complete, so which took effect is unknown until the table is read again: .*No buffer space available/);
  });

  it('says modprobe ip_vs when the kernel has no IPVS family', async () => {
    const kernel = new FakeGenlKernel();
    kernel.ipvsLoaded = false;
    assert.match((await rejection(backend(kernel).read())).message, /no "IPVS" generic netlink family: IPVS is not loaded \(modprobe ip_vs\)/);
    assert.match((await rejection(backend(kernel).applyBatch(addAll(table(1, 1))))).message, /modprobe ip_vs/);
  });

  it('dumps destinations on parallel sockets and closes every socket it opened', async () => {
    const kernel = new FakeGenlKernel();
    await backend(kernel).applyBatch(addAll(table(10, 3)));
    const opened = kernel.socketsOpened;
    const reading = await backend(kernel, { parallelDumps: 4 }).read();
    assert.equal(reading.services.length, 10);
    assert.equal(kernel.socketsOpened - opened, 4);
    const listed = await backend(kernel, { parallelDumps: 4 }).list();
    assert.deepEqual(listed.map((s) => s.destinations.length), new Array(10).fill(3));
    assert.ok(listed.every((s) => s.stats?.connections === 0));
    assert.equal(kernel.openSockets, 0);
  });

  it('abandons a dump that passes its byte bound, saying so, and closes its sockets', async () => {
    const kernel = new FakeGenlKernel();
    await backend(kernel).applyBatch(addAll(table(10, 3)));
    const error = await rejection(backend(kernel, { maxDumpBytes: 300 }).read());
    assert.match(error.message, /IPVS service dump: the kernel's reply passed 300 bytes; the read was abandoned/);
    assert.equal(kernel.openSockets, 0);
  });

  it('gives up on an exchange the kernel never answers', async () => {
    const kernel = new FakeGenlKernel();
    kernel.silent = true;
    const error = await rejection(backend(kernel, { timeoutMs: 50 }).read());
    assert.match(error.message, /no answer from the kernel within 50 ms/);
    assert.equal(kernel.openSockets, 0);
  });

  it('sends nothing for an empty batch, and reads connections through its reader', async () => {
    const kernel = new FakeGenlKernel();
    await backend(kernel).applyBatch([]);
    assert.equal(kernel.sends.length, 0);
    const entry = { protocol: 'TCP', expiresSeconds: 5, state: 'NONE', client: { address: '10.0.0.200', port: 0 }, virtual: { address: '10.0.0.100', port: 80 }, destination: { address: '10.0.0.11', port: 80 }, template: true };
    assert.deepEqual(await backend(kernel, { readConnections: async () => [entry] }).connections(), [entry]);
  });
});
