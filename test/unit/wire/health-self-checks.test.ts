// A realserver's own checks in a Health report: however many it made, the report a controller
// takes lists at most HEALTH_LIMITS.selfChecks of them, the failed ones first, and says how many
// were left out (lvs/wire/health-codec.ts, selfChecksWithin).
import { strict as assert } from 'node:assert';
import type { AgentHealthReport, SelfCheckRecord } from '../../../lvs/health/report';
import { HEALTH_LIMITS, healthReportFromWire, healthReportToWire, selfChecksWithin } from '../../../lvs/wire/health-codec';
import { wireMessage } from './wire-messages';

const HealthReport = wireMessage('HealthReport');

function check(i: number, status: SelfCheckRecord['status'] = 'ok'): SelfCheckRecord {
  return { action: 'check-vip-present', target: `10.100.${i >> 8}.${i & 255}`, status, message: `vip ${i}` };
}

function report(selfChecks: SelfCheckRecord[], note?: string): AgentHealthReport {
  return { host: 'web1', role: 'realserver', at: new Date('2026-12-04T12:00:00Z'), targets: [], events: [], selfChecks, heartbeat: false, ...(note ? { note } : {}) };
}

const across = (r: AgentHealthReport): AgentHealthReport => healthReportFromWire(HealthReport.deserialize(HealthReport.serialize(healthReportToWire(r))));

describe('a realserver\'s self-checks in a Health report', () => {
  it('30,003 checks (a realserver in 10,000 DR services) reach the controller: 10,000 listed, the failed ones first, the rest counted', () => {
    const checks = Array.from({ length: 30_003 }, (_, i) => check(i, i === 12_345 || i === 29_999 ? 'failed' : 'ok'));
    const got = across(report(checks));
    assert.equal(got.selfChecks.length, HEALTH_LIMITS.selfChecks);
    assert.deepEqual(got.selfChecks.slice(0, 2).map((c) => `${c.target} ${c.status}`), ['10.100.48.57 failed', '10.100.117.47 failed']);
    assert.ok(got.selfChecks.slice(2).every((c) => c.status === 'ok'));
    assert.equal(got.note, '20003 more self-checks not listed (all ok): a report lists at most 10000');
  });

  it('says how many of those left out were not ok, beside the report\'s own note', () => {
    const { listed, note } = selfChecksWithin([check(1, 'failed'), check(2, 'skipped'), check(3, 'failed'), check(4)], 2);
    assert.deepEqual(listed.map((c) => c.status), ['failed', 'skipped']);
    assert.equal(note, '2 more self-checks not listed (1 of them not ok): a report lists at most 2');
    const got = across(report(Array.from({ length: HEALTH_LIMITS.selfChecks + 1 }, (_, i) => check(i)), 'no plan applied yet: run lvsctl rollout'));
    assert.equal(got.note, 'no plan applied yet: run lvsctl rollout; 1 more self-checks not listed (all ok): a report lists at most 10000');
  });

  it('a report within the bound crosses as it is, in its order, with no note added', () => {
    const checks = [check(1), check(2, 'failed'), check(3)];
    const got = across(report(checks));
    assert.deepEqual(got.selfChecks, checks);
    assert.equal(got.note, undefined);
  });
});
