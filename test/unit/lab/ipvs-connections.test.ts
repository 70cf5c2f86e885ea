import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isTemplate, parseConnections } from '../../lab/support/ipvsadm';

const captured = (name: string): string => readFileSync(join(__dirname, '../../../../test/fixtures/captured', name), 'utf8');

describe('lab: reading ipvsadm -Lcn', () => {
  it('finds the persistence template (client port 0) in a captured table', () => {
    const connections = parseConnections(captured('ipvsadm-Lcn.txt'));
    const templates = connections.filter(isTemplate);
    assert.ok(templates.some((t) => t.virtual.address === '10.0.0.100' && t.virtual.port === 80 && t.source.address === '10.0.0.0'),
      'the netmask-255.255.255.0 template groups the client as 10.0.0.0:0');
    assert.ok(connections.some((c) => c.source.address === '10.0.0.200' && c.source.port !== 0), 'plain connections keep the client port');
  });

  it('refuses a line it does not understand instead of skipping it', () => {
    assert.throws(() => parseConnections('IPVS connection entries\npro expire state source virtual destination\ngarbage\n'), /unexpected line "garbage"/);
  });
});

describe('lab: reading ipvsadm -Lcn with a fwmark service', () => {
  it('reads the fwmark template, protocol IP with the mark as virtual address', () => {
    const template = parseConnections(captured('ipvsadm-Lcn-with-fwmark.txt')).find((c) => c.protocol === 'IP');
    assert.ok(template);
    assert.deepEqual({ virtual: template.virtual, template: isTemplate(template) }, { virtual: { address: '0.0.0.1', port: 0 }, template: true });
  });
});
