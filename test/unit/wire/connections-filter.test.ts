// `lvsctl connections --vip/--client/--realserver` with an IPv6 address spelt another way than
// the kernel writes it still finds the entries: the agent makes the filter canonical as it decodes it.
import { strict as assert } from 'node:assert';
import { filterConnections, type ConnectionEntry } from '../../../lvs/formats/ipvs-connections';
import { connectionsRequestFromWire } from '../../../lvs/wire/connections-codec';
import type { ConnectionsRequest__Output } from '../../../proto/generated/lvsctl/v1/ConnectionsRequest';

const entry: ConnectionEntry = {
  protocol: 'TCP', expiresSeconds: 60, state: 'ESTABLISHED', template: false,
  client: { address: '2001:db8:1::200', port: 40000 }, virtual: { address: '2001:db8::100', port: 80 }, destination: { address: '2001:db8::12', port: 80 },
};

function request(fields: Partial<ConnectionsRequest__Output>): ConnectionsRequest__Output {
  return { client: '', vip: '', realserver: '', limit: 0, ...fields } as ConnectionsRequest__Output;
}

describe('the connections filter', () => {
  it('is canonical once decoded, so 2001:DB8:0::100 finds the kernel\'s 2001:db8::100', () => {
    const filter = connectionsRequestFromWire(request({ vip: '2001:DB8:0::100', client: '2001:0db8:1::200', realserver: '2001:DB8::0:12' }));
    assert.deepEqual([filter.vip, filter.client, filter.realserver], ['2001:db8::100', '2001:db8:1::200', '2001:db8::12']);
    assert.deepEqual(filterConnections([entry], filter), [entry]);
    assert.deepEqual(filterConnections([entry], connectionsRequestFromWire(request({ vip: '2001:db8::101' }))), []);
    const mapped: ConnectionEntry = { ...entry, client: { address: '::ffff:10.0.0.200', port: 40000 } };
    assert.deepEqual(filterConnections([mapped], connectionsRequestFromWire(request({ client: '::FFFF:10.0.0.200' }))), [mapped]);
  });
});
