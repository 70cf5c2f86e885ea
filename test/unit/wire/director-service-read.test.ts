import assert from 'assert';
import fc from 'fast-check';
import { readDirectorServiceObject, StringTable } from '../../../lvs/wire/director-service-read';
import { directorServiceBytes } from '../../../lvs/wire/director-service-bytes';
import { decodeApplyRequest, encodeApplyRequest } from '../../../lvs/wire/apply-request-codec';
import { WireFieldError } from '../../../lvs/wire/checks';
import { agentProtoType, CONVERSION_OPTIONS } from '../../../lvs/wire/proto-types';
import { runToEnd } from '../../../lvs/yield-point';
import { directorService } from './director-service-arbitrary';
import { messageOf } from './proto-arbitraries';
import { directorPlan } from './sample-host-plans';

const type = agentProtoType('DirectorService');

/** What protobufjs makes of the bytes, or undefined when it refuses them. */
function protobufjsObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    return type.toObject(type.decode(bytes), CONVERSION_OPTIONS);
  } catch {
    return undefined;
  }
}

/** Protobuf of arbitrary DirectorService messages (fields of every kind, edge values, unknown enum numbers) */
const anyServiceBytes = messageOf('DirectorService').map((m) => type.encode(type.fromObject(m)).finish());

/** The same, then cut, spliced, repeated or with bytes changed: what a hostile peer may send */
const damagedBytes = fc.tuple(anyServiceBytes, fc.nat(), fc.uint8Array({ maxLength: 6 }), fc.constantFrom('cut', 'insert', 'twice', 'flip')).map(([bytes, at, extra, how]) => {
  const cut = bytes.length === 0 ? 0 : at % bytes.length;
  if (how === 'cut') return bytes.subarray(0, cut);
  if (how === 'insert') return Buffer.concat([bytes.subarray(0, cut), extra, bytes.subarray(cut)]);
  if (how === 'twice') return Buffer.concat([bytes, bytes]);
  const flipped = Buffer.from(bytes);
  if (flipped.length > 0) flipped[cut] ^= extra[0] ?? 0xff;
  return flipped;
});

describe('wire: a director service read by lvsctl from its bytes', () => {
  it('is what protobufjs reads, or is left to protobufjs, for any bytes', () => {
    fc.assert(fc.property(fc.oneof(anyServiceBytes, damagedBytes), (bytes) => {
      const read = readDirectorServiceObject(bytes, new StringTable());
      if (read !== undefined) assert.deepStrictEqual(read, protobufjsObject(bytes));
    }), { numRuns: 1000 });
  });

  it('reads every service a controller writes, the same as protobufjs', () => {
    fc.assert(fc.property(directorService, (s) => {
      const bytes = directorServiceBytes(s);
      const read = readDirectorServiceObject(bytes, new StringTable());
      assert.ok(read, 'read without protobufjs');
      assert.deepStrictEqual(read, protobufjsObject(bytes));
    }), { numRuns: 300 });
  });

  it('leaves protobufjs a number of more than 32 bits, of which it keeps the low 32', () => {
    // realservers[0].destination.port as a varint of 35 bits
    const destination = Buffer.from([0x10, 0x85, 0x80, 0x80, 0x80, 0x1f]);
    const realserver = Buffer.concat([Buffer.from([0x12, destination.length]), destination]);
    const bytes = Buffer.concat([Buffer.from([0x1a, realserver.length]), realserver]);
    assert.strictEqual((protobufjsObject(bytes) as { realservers: Array<{ destination: { port: number } }> }).realservers[0].destination.port, 5 + 0xf * 2 ** 28);
    assert.strictEqual(readDirectorServiceObject(bytes, new StringTable()), undefined);
  });

  it('gives back the text of the bytes, held or new, two texts of one hash included', () => {
    const plan = directorPlan();
    const strings = new StringTable();
    const [first, second] = [plan.services[0], plan.services[1]].map((s) => readDirectorServiceObject(directorServiceBytes(s), strings));
    assert.strictEqual(first?.realservers[0].host, 'web1');
    assert.strictEqual(second?.realservers[0].host, 'web1');
    assert.strictEqual(strings.read(Buffer.from('xx web1'), 3, 7), 'web1');
    // "web16vu" and "webcyea" have the same 32-bit FNV-1a hash, the table's key: the held one must not stand for the other
    assert.strictEqual(strings.read(Buffer.from('web16vu'), 0, 7), 'web16vu');
    assert.strictEqual(strings.read(Buffer.from('webcyea'), 0, 7), 'webcyea');
    assert.strictEqual(strings.read(Buffer.from('web16vu'), 0, 7), 'web16vu');
    // past ASCII: decoded as UTF-8
    assert.strictEqual(strings.read(Buffer.from('wéb1'), 0, 5), 'wéb1');
  });

  it('refuses a bad service with the field named, as before, whichever reads it', () => {
    const plan = directorPlan();
    const bad = { ...plan, services: [plan.services[0], { ...plan.services[2], realservers: [{ host: 'ns1', destination: { ...plan.services[2].realservers[0].destination, weight: 70_000 } }] }] };
    const bytes = runToEnd(encodeApplyRequest('apply', bad));
    assert.ok(readDirectorServiceObject(directorServiceBytes(bad.services[1]), new StringTable()), 'lvsctl reads it');
    assert.throws(() => runToEnd(decodeApplyRequest(bytes)), (e: unknown) => e instanceof WireFieldError && e.message === 'services[1].realservers[0].destination.weight: must be 0..65535');
  });
});
