import { strict as assert } from 'node:assert';
import { destinationConnectionsOf } from '../../../lvs/ipvs-reading';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IpvsadmBatchError } from '../../../lvs/formats/ipvsadm-errors';
import { LinuxIpvs } from '../../../agent/kernel/linux/ipvs';
import type { IpvsOperation } from '../../../lvs/operations';
import { exitWith, ok, recordingExec } from './recording-exec';

const ROOT = join(__dirname, '..', '..', '..', '..');
const fixture = (name: string): string => readFileSync(join(ROOT, 'test', 'fixtures', name), 'utf8');

describe('Linux IPVS through ipvsadm', () => {
  it('reads the whole table with one `ipvsadm -S -n` (real output from the lab kernel)', async () => {
    const { exec, calls } = recordingExec(() => ok(fixture('director/ipvsadm-S-n.txt')));
    const { services: table, unparsed } = await new LinuxIpvs(exec).read();
    assert.deepEqual(unparsed, []);
    assert.deepEqual(calls.map((c) => [c.file, ...c.args]), [['ipvsadm', '-S', '-n']]);
    assert.equal(table.length, 6);
    const web = table.find((s) => s.service.key.kind === 'tcp' && s.service.key.port === 80);
    assert.deepEqual(web?.service.persistence, { timeout: 360, netmask: '255.255.255.0' });
    assert.deepEqual(web?.destinations.map((d) => [d.address, d.weight]), [['10.0.0.11', 3], ['10.0.0.12', 1]]);
  });

  it('applies a batch with one `ipvsadm -R`, the lines on stdin, never a shell', async () => {
    const { exec, calls } = recordingExec(() => ok());
    await new LinuxIpvs(exec).applyBatch([
      { op: 'add-service', service: { key: { kind: 'fwmark', mark: 1, family: 'inet' }, scheduler: 'rr', flags: [], persistence: { timeout: 360 } } },
      { op: 'add-destination', key: { kind: 'fwmark', mark: 1, family: 'inet' }, destination: { address: '10.0.0.11', port: 0, weight: 1, forwarding: 'dr' } },
    ]);
    assert.equal(calls.length, 1);
    assert.deepEqual([calls[0].file, ...calls[0].args], ['ipvsadm', '-R']);
    assert.equal(calls[0].options.input, '-A -f 1 -s rr -p 360\n-a -f 1 -r 10.0.0.11:0 -g -w 1\n');
    assert.ok(calls[0].options.timeoutMs !== undefined && calls[0].options.timeoutMs > 0, 'a timeout is set');
  });

  it('runs no process for an empty batch', async () => {
    const { exec, calls } = recordingExec(() => ok());
    await new LinuxIpvs(exec).applyBatch([]);
    assert.equal(calls.length, 0);
  });

  it('fails a batch whose last line succeeded but an earlier one was refused (exit 0, stderr)', async () => {
    const { exec } = recordingExec(() => ok('', 'Service already exists\n'));
    await assert.rejects(
      new LinuxIpvs(exec).applyBatch([{ op: 'delete-service', service: { key: { kind: 'tcp', vip: '10.0.0.105', port: 80 }, scheduler: 'rr', flags: [] } }]),
      /ipvsadm -R refused part of the batch: Service already exists/,
    );
  });

  it("passes on ipvsadm's own error for a failing batch", async () => {
    const { exec } = recordingExec((file, args) => exitWith(file, args, 1, 'Scheduler or persistence engine not found'));
    await assert.rejects(
      new LinuxIpvs(exec).applyBatch([{ op: 'delete-service', service: { key: { kind: 'tcp', vip: '10.0.0.105', port: 80 }, scheduler: 'rr', flags: [] } }]),
      /ipvsadm -R: exited with status 1: Scheduler or persistence engine not found/,
    );
  });

  it('hands on ipvsadm -R\'s refusals as its own lines, from a batch that went on past them (exit 0) or ended on one (exit 255)', async () => {
    const op: IpvsOperation = { op: 'add-service', service: { key: { kind: 'tcp', vip: '10.0.0.105', port: 81 }, scheduler: 'rr', flags: [] } };
    const past = recordingExec(() => ({ stdout: '', stderr: 'Service already exists\n' }));
    const first = await new LinuxIpvs(past.exec).applyBatch([op, op]).then(() => undefined, (e: unknown) => e);
    assert.ok(first instanceof IpvsadmBatchError, String(first));
    assert.deepEqual([first.lines, first.refusedExistingService(), first.refusedExistingDestination()], [['Service already exists'], true, false]);
    const last = recordingExec((file, args) => exitWith(file, args, 255, 'Destination already exists\n'));
    const second = await new LinuxIpvs(last.exec).applyBatch([op]).then(() => undefined, (e: unknown) => e);
    assert.ok(second instanceof IpvsadmBatchError, String(second));
    assert.equal(second.refusedExistingDestination(), true);
    assert.match(second.message, /exited with status 255: Destination already exists/);
  });
});

describe('Linux IPVS connection counts', () => {
  it('reads every destination\'s active and inactive connections with one `ipvsadm -L -n --exact` (real output)', async () => {
    const { exec, calls } = recordingExec((_file, args) => ok(fixture(args.includes('--stats') ? 'captured/ipvsadm-Ln-stats-exact.txt' : 'captured/ipvsadm-Ln-exact.txt')));
    const counts = destinationConnectionsOf(await new LinuxIpvs(exec).list());
    assert.deepEqual(calls.map((c) => [c.file, ...c.args]), [['ipvsadm', '-L', '-n', '--exact'], ['ipvsadm', '-L', '-n', '--stats', '--exact']]);
    const web = counts.find((c) => c.service.kind === 'tcp' && c.service.port === 80 && c.destination.address === '10.0.0.12');
    assert.deepEqual(web && { weight: web.destination.weight, active: web.active, inactive: web.inactive }, { weight: 1, active: 0, inactive: 3 });
  });

  it('reads a table holding a service it cannot model, and names that service', async () => {
    const { exec } = recordingExec(() => ok('-A -t 10.0.0.100:80 -s rr\n-A -u 10.0.0.100:53 -s rr -o\n'));
    const { services, unparsed } = await new LinuxIpvs(exec).read();
    assert.equal(services.length, 1);
    assert.deepEqual(unparsed.map((u) => u.name), ['-u 10.0.0.100:53']);
  });
});
