// A rollout's hello announcing an apply (agent/kernel/check-ahead.ts): the director's check
// runs in the writer's exclusive task, after any write queued before it, and a burst of hellos
// queues at most one check.
import { strict as assert } from 'node:assert';
import { checkAheadOnAnnouncement } from '../../../agent/kernel/check-ahead';
import type { CheckAhead } from '../../../agent/kernel/ipvs';
import { IpvsWriter } from '../../../agent/kernel/ipvs-writer';
import { FakeIpvs } from '../../../agent/kernel/fake/ipvs';

function recordingDoor(log: string[], fail?: Error): CheckAhead {
  return {
    announceApply: () => log.push('announced'),
    checkAhead: async () => {
      log.push('check began');
      await new Promise((resolve) => setTimeout(resolve, 5));
      log.push('check ended');
      if (fail) throw fail;
    },
  };
}

describe('checkAheadOnAnnouncement: a hello that announces an apply starts the director\'s check', () => {
  it('checks after the write queued before it, and queues one check for a burst of announcements (one more if one came while a check ran)', async () => {
    const log: string[] = [];
    const writer = new IpvsWriter(new FakeIpvs([]));
    const announce = checkAheadOnAnnouncement(writer, recordingDoor(log), () => assert.fail('no error expected'));
    const write = writer.exclusive(async () => {
      log.push('write began');
      await new Promise((resolve) => setTimeout(resolve, 5));
      log.push('write ended');
    });
    for (let i = 0; i < 50; i++) announce();
    await write;
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(log.at(-1), 'check began');
    announce(); // while the check runs: it began before this announcement
    await writer.idle();
    assert.equal(log.filter((l) => l === 'announced').length, 51);
    assert.deepEqual(log.filter((l) => l !== 'announced'), ['write began', 'write ended', 'check began', 'check ended', 'check began', 'check ended']);
    assert.deepEqual(log.slice(-4), ['announced', 'check ended', 'check began', 'check ended']);
  });

  it('hands a failed check to onError and keeps serving later announcements', async () => {
    const log: string[] = [];
    const errors: unknown[] = [];
    const writer = new IpvsWriter(new FakeIpvs([]));
    const announce = checkAheadOnAnnouncement(writer, recordingDoor(log, new Error('no listing')), (error) => errors.push(error));
    announce();
    await writer.idle();
    await new Promise((resolve) => setImmediate(resolve));
    announce();
    await writer.idle();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(errors.length, 2);
    assert.match(String(errors[0]), /no listing/);
    assert.equal(log.filter((l) => l === 'check began').length, 2);
  });
});
