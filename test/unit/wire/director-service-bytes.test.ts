import assert from 'assert';
import fc from 'fast-check';
import type { DirectorService } from '../../../lvs/host-plan';
import { encodeApplyRequest, decodeApplyRequest } from '../../../lvs/wire/apply-request-codec';
import { directorServiceBytes } from '../../../lvs/wire/director-service-bytes';
import { directorServiceToWire } from '../../../lvs/wire/host-plan-encode';
import { agentProtoType } from '../../../lvs/wire/proto-types';
import { runToEnd } from '../../../lvs/yield-point';
import { directorService } from './director-service-arbitrary';
import { directorPlan } from './sample-host-plans';

/** The bytes protobufjs writes for the service: what the agent has always been sent. */
function protobufjsBytes(s: DirectorService): Buffer {
  const type = agentProtoType('DirectorService');
  return Buffer.from(type.encode(type.fromObject(directorServiceToWire(s))).finish());
}

describe('wire: a director service\'s bytes, written straight from the domain object', () => {
  it('are the very bytes protobufjs writes, for any service', () => {
    fc.assert(fc.property(directorService, (s) => {
      assert.deepStrictEqual(Buffer.from(directorServiceBytes(s)), protobufjsBytes(s));
    }), { numRuns: 300 });
  });

  it('hold 1,000 realservers, a nested message whose length takes three bytes, and the sample plan\'s services alike', () => {
    const big: DirectorService = {
      name: 'big',
      service: { key: { kind: 'tcp', vip: '10.0.0.100', port: 80 }, scheduler: 'wlc', flags: [] },
      realservers: Array.from({ length: 1000 }, (_, i) => ({ host: `web${i}`, destination: { address: `10.1.${i >> 8}.${i & 255}`, port: 8080, weight: i, forwarding: 'nat' as const } })),
    };
    // a realserver of 20,000 bytes: its length is three bytes of varint, written once the message is
    const long: DirectorService = { ...big, realservers: [{ host: 'h'.repeat(20_000), destination: big.realservers[0].destination }] };
    for (const s of [big, long, ...directorPlan().services]) assert.deepStrictEqual(Buffer.from(directorServiceBytes(s)), protobufjsBytes(s));
  });

  it('make a request the agent decodes back to the same plan', () => {
    fc.assert(fc.property(fc.array(directorService, { maxLength: 5 }), (services) => {
      const plan = { ...directorPlan(), services };
      const bytes = runToEnd(encodeApplyRequest('apply', plan, true, true));
      // the same request as protobufjs would make of the whole plan: decoded, the services match field by field
      const type = agentProtoType('DirectorService');
      const decoded = agentProtoType('ApplyRequest').toObject(agentProtoType('ApplyRequest').decode(bytes), { enums: String, longs: String, defaults: true, oneofs: true });
      const wireServices = (decoded.plan as { director: { services: unknown[] } }).director.services;
      assert.deepStrictEqual(wireServices, services.map((s) => type.toObject(type.decode(protobufjsBytes(s)), { enums: String, longs: String, defaults: true, oneofs: true })));
    }), { numRuns: 100 });
    // and a plan the agent accepts comes back whole
    const plan = directorPlan(9);
    assert.deepStrictEqual(runToEnd(decodeApplyRequest(runToEnd(encodeApplyRequest('check', plan)))).plan, plan);
  });
});
