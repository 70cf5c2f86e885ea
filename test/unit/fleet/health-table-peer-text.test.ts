// lvsctl health prints what agents report: their words (a reason, a check's message, a note,
// an event) with control characters shown as "?", so a hostile agent cannot drive the terminal
// or break the table's lines.
import { strict as assert } from 'node:assert';
import { renderHealthTable } from '../../../controller/report/health-table';
import type { AgentHealthReport } from '../../../lvs/health/report';

describe('lvsctl health, an agent\'s words in its table', () => {
  it('shows a terminal escape or a line break as "?"', () => {
    const report = {
      host: 'web1', role: 'realserver', targets: [], note: 'note\u001b[2J',
      selfChecks: [{ action: 'vip', target: 'lo\nFAKE', status: 'failed', message: 'missing\u001b]0;pwned\u0007', fix: 'ip addr add\u001b[0m' }],
      events: [{ at: new Date(0), kind: 'self-check', message: 'changed\r\u001b[1A' }],
    } as unknown as AgentHealthReport;
    const text = renderHealthTable([{ host: 'web1', role: 'realserver', ok: true, value: report }], new Date(1000));
    assert.doesNotMatch(text, /[\u0000-\u0009\u000b-\u001f\u007f]/);
    assert.match(text, /lo\?FAKE/);
    assert.match(text, /missing\?\]0;pwned\? \(fix: ip addr add\?\[0m\)/);
    assert.match(text, /web1: note\?\[2J\n/);
    assert.match(text, /web1 changed\?\?\[1A/);
  });

  it('names a host that answered with no checks at all, rather than leaving it out', () => {
    const empty = { host: 'web2', role: 'realserver', targets: [], selfChecks: [], events: [] } as unknown as AgentHealthReport;
    const text = renderHealthTable([{ host: 'web2', role: 'realserver', ok: true, value: empty }], new Date(1000));
    assert.equal(text, 'web2: answered, with no checks to report (no plan applied to it yet? run lvsctl rollout)\n');
  });
});
