import assert from 'assert';
import type { ApplyEvent } from '../../../lvs/apply-events';
import { applyEventFromWire, applyEventToWire } from '../../../lvs/wire/apply-event-codec';
import { wireMessage } from './wire-messages';

const ApplyEventType = wireMessage('ApplyEvent');

function roundTrip(event: ApplyEvent): ApplyEvent {
  return applyEventFromWire(ApplyEventType.deserialize(ApplyEventType.serialize(applyEventToWire(event))));
}

describe('apply events on the wire', () => {
  const events: ApplyEvent[] = [
    { kind: 'step', action: 'add-service', target: 'fwmark 1', status: 'changed', message: 'added' },
    { kind: 'step', action: 'check-arp_ignore', target: 'net.ipv4.conf.all.arp_ignore', status: 'failed', message: 'is 0, want 1', fix: 'sysctl -w net.ipv4.conf.all.arp_ignore=1' },
    { kind: 'diff', subject: 'ipvs', before: '', after: '-A -f 1 -s rr -p 360\n' },
    { kind: 'notice', message: 'tcp 10.0.0.9:22 is not managed by lvsctl; left alone' },
    { kind: 'result', outcome: 'failed', changed: 0, message: 'ipvsadm -R failed', rollback: 'restored 2 services' },
    { kind: 'result', outcome: 'ok', changed: 0, message: '' },
  ];
  for (const event of events) {
    it(`bring a ${event.kind} event across unchanged (${event.kind === 'step' ? event.status : event.kind === 'result' ? event.outcome : event.kind})`, () => {
      assert.deepStrictEqual(roundTrip(event), event);
    });
  }

  it('refuse an event with nothing in it', () => {
    assert.throws(() => applyEventFromWire(ApplyEventType.deserialize(Buffer.alloc(0))), /event: is missing/);
  });

  it('refuse a step with an unspecified status', () => {
    const wire = ApplyEventType.deserialize(ApplyEventType.serialize({ step: { action: 'a', target: 't', message: 'm' } }));
    assert.throws(() => applyEventFromWire(wire), /step\.status: must be one of STEP_STATUS_OK/);
  });
});
