import assert from 'assert';
import { Reader, Writer } from 'protobufjs';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import type { DirectorPlan, DirectorService } from '../../../lvs/host-plan';
// The Apply request's codec that works a service at a time (lvs/wire/apply-request-codec.ts):
// its bytes are what proto-loader's one-piece codec reads as the same request, it reads what
// that codec writes, it pauses as it goes, and bytes that are not a request get a named error.
import { hostPlanFromWire } from '../../../lvs/wire/host-plan-decode';
import { hostPlanToWire } from '../../../lvs/wire/host-plan-encode';
import { loadAgentProto } from '../../../lvs/wire/proto-loader';
import { decodeApplyRequest, encodeApplyRequest } from '../../../lvs/wire/apply-request-codec';
import { MessageDecodeError } from '../../../lvs/wire/sliced-message-codec';
import { DecodedServices } from '../../../lvs/wire/decoded-services';
import { WireFieldError } from '../../../lvs/wire/checks';
import { runSliced, runToEnd, type Pausable } from '../../../lvs/yield-point';
import type { ApplyRequest__Output } from '../../../proto/generated/lvsctl/v1/ApplyRequest';
import { lastAppliedVrrp, lastPlanFilePath, readLastPlan, writeLastPlan } from '../../../agent/state/last-plan';
import { realserverPlan } from './sample-host-plans';

/** Services of every shape the wire knows: TCP, UDP, IPv6, fwmark, persistence, flags, a health check with a sorry server. */
function service(i: number): DirectorService {
  const rs = (n: number, forwarding: 'dr' | 'nat' = 'dr', port = 80) =>
    Array.from({ length: n }, (_, r) => ({ host: `rs${i}-${r}`, destination: { address: `10.1.${i % 250}.${r + 1}`, port, weight: r, forwarding } }));
  switch (i % 4) {
    case 0:
      return { name: `web${i}`, service: { key: { kind: 'tcp', vip: `10.0.${i % 250}.${i % 7}`, port: 1000 + i }, scheduler: 'wlc', flags: [] }, realservers: rs(3) };
    case 1:
      return {
        name: `dns${i}`,
        service: { key: { kind: 'udp', vip: '2001:db8::1', port: 1000 + i }, scheduler: 'sh', flags: ['sh-port'], persistence: { timeout: 300, netmask: '64' } },
        realservers: [{ host: 'v6', destination: { address: '2001:db8::2', port: 53, weight: 1, forwarding: 'nat' } }],
      };
    case 2:
      return { name: `mark${i}`, service: { key: { kind: 'fwmark', mark: i, family: 'inet' }, scheduler: 'rr', flags: [], persistence: { timeout: 360 } }, realservers: rs(2, 'dr', 0) };
    default:
      return {
        name: `shop${i}`,
        service: { key: { kind: 'tcp', vip: '10.9.9.9', port: 1000 + i }, scheduler: 'wrr', flags: [] },
        realservers: rs(2, 'nat', 8080),
        healthCheck: { type: 'http', port: 8080, path: '/health', expectStatus: 200, intervalMs: 2000, timeoutMs: 1000, fall: 3, rise: 2, allDown: 'quiesce' },
        sorryServer: { address: '10.8.8.8', port: 8080, weight: 0, forwarding: 'nat' },
      };
  }
}

function plan(services: number): DirectorPlan {
  return {
    role: 'director', cluster: 'shop', host: 'lvs1', generation: 42,
    services: Array.from({ length: services }, (_, i) => service(i)),
    marks: [{ mark: 2, protocol: 'tcp', destination: '10.0.0.100', ports: ['80', '443'] }, { mark: 6, protocol: 'udp', destination: '10.0.0.200', ports: ['5000:5010'], inInterface: 'eth0' }],
  };
}

const apply = loadAgentProto().lvsctl.v1.Agent.service.Apply;

/** The body of the first length-delimited field `id` of a message. */
function decodeField(bytes: Uint8Array, id: number): Uint8Array {
  const reader = Reader.create(bytes);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === id && (tag & 7) === 2) return reader.bytes();
    reader.skipType(tag & 7);
  }
  throw new Error(`no field ${id}`);
}

/** How many times a computation paused, and what it returned. */
function stepsOf<T>(steps: Pausable<T>): { pauses: number; value: T } {
  let pauses = 0;
  for (;;) {
    const step = steps.next();
    if (step.done) return { pauses, value: step.value };
    pauses += 1;
  }
}

describe('the Apply request, encoded and decoded a service at a time', () => {
  const sizes = [0, 1, 2, 7, 250];

  it('writes bytes that proto-loader reads as the same request, at every size and for both roles', () => {
    for (const p of [...sizes.map(plan), ...sizes.map((n) => ({ ...plan(n), marks: [] })), realserverPlan(3)]) {
      const bytes = runToEnd(encodeApplyRequest('check', p));
      const read = apply.requestDeserialize(bytes) as ApplyRequest__Output;
      assert.strictEqual(read.mode, 'APPLY_MODE_CHECK');
      assert.deepStrictEqual(hostPlanFromWire(read.plan), p);
      assert.deepStrictEqual(read, apply.requestDeserialize(apply.requestSerialize({ mode: 'APPLY_MODE_CHECK', plan: hostPlanToWire(p) })));
    }
  });

  it('reads what proto-loader writes as the same plan, pausing once per service', () => {
    for (const p of sizes.map(plan)) {
      const bytes = apply.requestSerialize({ mode: 'APPLY_MODE_APPLY', plan: hostPlanToWire(p) });
      const decoded = stepsOf(decodeApplyRequest(bytes));
      // no accepts_step_batches: a controller from before batches
      assert.deepStrictEqual(decoded.value, { mode: 'apply', plan: p, stepBatches: false, omitDiff: false });
      assert.strictEqual(decoded.pauses, 2 * p.services.length, 'one pause per service decoded, one per service checked');
    }
  });

  it('carries accepts_step_batches both ways, and an older controller\'s request (without it) reads as false', () => {
    const asked = runToEnd(encodeApplyRequest('apply', plan(2), true));
    assert.strictEqual((apply.requestDeserialize(asked) as ApplyRequest__Output).acceptsStepBatches, true);
    assert.strictEqual(runToEnd(decodeApplyRequest(asked)).stepBatches, true);
    assert.strictEqual(runToEnd(decodeApplyRequest(runToEnd(encodeApplyRequest('apply', plan(2))))).stepBatches, false);
    const older = apply.requestSerialize({ mode: 'APPLY_MODE_APPLY', plan: hostPlanToWire(plan(2)) });
    assert.strictEqual(runToEnd(decodeApplyRequest(older)).stepBatches, false);
  });

  it('carries omit_diff both ways, and an older controller\'s request (without it) asks for the diff', () => {
    const omitting = runToEnd(encodeApplyRequest('apply', plan(2), true, true));
    assert.strictEqual((apply.requestDeserialize(omitting) as ApplyRequest__Output).omitDiff, true);
    assert.strictEqual(runToEnd(decodeApplyRequest(omitting)).omitDiff, true);
    assert.strictEqual(runToEnd(decodeApplyRequest(runToEnd(encodeApplyRequest('apply', plan(2), true)))).omitDiff, false);
    const older = apply.requestSerialize({ mode: 'APPLY_MODE_APPLY', plan: hostPlanToWire(plan(2)) });
    assert.strictEqual(runToEnd(decodeApplyRequest(older)).omitDiff, false);
  });

  it('refuses bytes that are not a request with a MessageDecodeError naming where, and a bad field with a WireFieldError naming it', () => {
    const bytes = runToEnd(encodeApplyRequest('apply', plan(3)));
    assert.throws(() => runToEnd(decodeApplyRequest(bytes.subarray(0, bytes.length - 5))),
      (e: unknown) => e instanceof MessageDecodeError && /^the message: does not decode as protobuf \(index out of range/.test(e.message));
    // ApplyRequest.plan(2) > HostPlan.director(4) > DirectorPlan.services(1): one good service, then bytes that are none
    const service = (body: Uint8Array): Uint8Array => Writer.create().uint32((1 << 3) | 2).bytes(body).finish();
    const good = apply.requestSerialize({ plan: hostPlanToWire(plan(1)) });
    const goodService = (decodeField(decodeField(good, 2), 4));
    const director = Buffer.concat([goodService, service(Uint8Array.from([0x0f, 0xff]))]);
    const nested = Writer.create().uint32((2 << 3) | 2).bytes(Writer.create().uint32((4 << 3) | 2).bytes(director).finish()).finish();
    assert.throws(() => runToEnd(decodeApplyRequest(nested)),
      (e: unknown) => e instanceof MessageDecodeError && /^plan\.director\.services\[1\]: does not decode as protobuf/.test(e.message));
    assert.throws(() => runToEnd(decodeApplyRequest(Buffer.from([0x0f, 0xff]))), (e: unknown) => e instanceof MessageDecodeError && /^the message: /.test(e.message));
    const noMode = apply.requestSerialize({ plan: hostPlanToWire(plan(1)) });
    assert.throws(() => runToEnd(decodeApplyRequest(noMode)), (e: unknown) => e instanceof WireFieldError && e.path === 'mode');
    const badWeight = hostPlanToWire(plan(2));
    badWeight.director!.services![1].realservers![0].destination!.weight = 70_000;
    assert.throws(() => runToEnd(decodeApplyRequest(apply.requestSerialize({ mode: 'APPLY_MODE_APPLY', plan: badWeight }))),
      (e: unknown) => e instanceof WireFieldError && e.message === 'services[1].realservers[0].destination.weight: must be 0..65535');
  });

  it('gives the event loop its turn while it encodes and decodes a big plan', async function () {
    this.timeout(60_000);
    const p = plan(4_000);
    let ticks = 0;
    const timer = setInterval(() => { ticks += 1; }, 1);
    try {
      const bytes = await runSliced(encodeApplyRequest('apply', p));
      const back = await runSliced(decodeApplyRequest(bytes));
      assert.strictEqual((back.plan as DirectorPlan).services.length, 4_000);
    } finally {
      clearInterval(timer);
    }
    assert.ok(ticks >= 2, `a 1 ms timer ran ${ticks} time(s) during the encode and decode`);
  });
});

describe('the Apply request decoded against the last one (lvs/wire/decoded-services.ts)', () => {
  const withWeight = (p: DirectorPlan, index: number, weight: number): DirectorPlan => ({
    ...p,
    generation: p.generation + 1,
    services: p.services.map((s, i) => (i !== index ? s : {
      ...s, realservers: s.realservers.map((r, j) => (j === 0 ? { ...r, destination: { ...r.destination, weight } } : r)),
    })),
  });
  const decode = (p: DirectorPlan, known: DecodedServices): DirectorPlan =>
    runToEnd(decodeApplyRequest(runToEnd(encodeApplyRequest('apply', p)), known)).plan as DirectorPlan;

  it('gives the same plan as a decode without it, and the very objects for services whose bytes did not change', () => {
    const known = new DecodedServices();
    const first = plan(40);
    const a = decode(first, known);
    assert.deepStrictEqual(a, first);
    assert.strictEqual(known.size, 40);
    const second = withWeight(first, 7, 9);
    const b = decode(second, known);
    assert.deepStrictEqual(b, runToEnd(decodeApplyRequest(runToEnd(encodeApplyRequest('apply', second)))).plan, 'the same plan as decoding afresh');
    assert.strictEqual(b.services[7].realservers[0].destination.weight, 9);
    assert.notStrictEqual(b.services[7], a.services[7], 'the changed service is decoded again');
    b.services.forEach((s, i) => { if (i !== 7) assert.strictEqual(s, a.services[i], `services[${i}] is the object decoded before`); });
    // moved to another place, a service is still found by its bytes
    const reordered = { ...second, services: [...second.services].reverse() };
    const c = decode(reordered, known);
    c.services.forEach((s, i) => assert.ok(b.services.includes(s), `reordered services[${i}] is one decoded before`));
  });

  it('finds the unchanged services again when one is added in front and another removed (the rest shifted), and not a service whose bytes differ', () => {
    const known = new DecodedServices();
    const first = plan(30);
    const a = decode(first, known);
    const added = plan(31).services[30];
    const second = { ...first, generation: first.generation + 1, services: [added, ...first.services.filter((_, i) => i !== 12)] };
    const b = decode(second, known);
    assert.deepStrictEqual(b, runToEnd(decodeApplyRequest(runToEnd(encodeApplyRequest('apply', second)))).plan, 'the same plan as decoding afresh');
    b.services.slice(1).forEach((s, i) => assert.strictEqual(s, a.services[i < 12 ? i : i + 1], `services[${i + 1}] is the object decoded before`));
    const third = withWeight(second, 20, 4);
    const c = decode(third, known);
    assert.notStrictEqual(c.services[20], b.services[20]);
    assert.strictEqual(c.services[20].realservers[0].destination.weight, 4);
    assert.strictEqual(c.services[21], b.services[21]);
  });

  it('keeps only the last request\'s services, and nothing of a request that did not decode', () => {
    const known = new DecodedServices();
    decode(plan(30), known);
    decode(plan(3), known);
    assert.strictEqual(known.size, 3, 'one plan\'s services, not a history');
    const bad = hostPlanToWire(plan(5));
    bad.director!.services![4].realservers![0].destination!.weight = 70_000;
    assert.throws(() => runToEnd(decodeApplyRequest(apply.requestSerialize({ mode: 'APPLY_MODE_APPLY', plan: bad }), known)),
      (e: unknown) => e instanceof WireFieldError && e.message === 'services[4].realservers[0].destination.weight: must be 0..65535');
    assert.strictEqual(known.size, 3, 'the refused request changed nothing');
  });
});

describe('the last plan file', () => {
  it('gives its VRRP settings, decoding the file again only once it was written again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lvsctl-last-vrrp-'));
    try {
      assert.equal(await lastAppliedVrrp(dir), undefined, 'no file: no VRRP');
      const vrrp = {
        group: 'front', interface: 'eth0', virtualRouterId: 51, priority: 110, advertIntervalSeconds: 1,
        addresses: ['10.0.0.100'], preempt: false, syncInterface: 'eth1', syncId: 7, takeOverConfig: false,
      };
      await writeLastPlan(dir, { ...plan(3), vrrp });
      const first = await lastAppliedVrrp(dir);
      assert.deepEqual(first, vrrp);
      assert.equal(await lastAppliedVrrp(dir), first, 'the file unchanged: the value read before, not decoded again');
      await writeLastPlan(dir, { ...plan(3), vrrp: { ...vrrp, priority: 120 } });
      assert.equal((await lastAppliedVrrp(dir))?.priority, 120, 'written again: read again');
      await writeLastPlan(dir, plan(3));
      assert.equal(await lastAppliedVrrp(dir), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is written as a JSON envelope line and the request\'s bytes, and reads back as the plan', async function () {
    this.timeout(30_000);
    const dir = mkdtempSync(join(tmpdir(), 'lvsctl-last-plan-'));
    try {
      const p = plan(8_000);
      await writeLastPlan(dir, p);
      const bytes = readFileSync(lastPlanFilePath(dir));
      const lineEnd = bytes.indexOf(0x0a);
      const envelope = JSON.parse(bytes.subarray(0, lineEnd).toString('utf8')) as Record<string, unknown>;
      assert.deepStrictEqual(Object.keys(envelope), ['version', 'host', 'role', 'generation', 'bytes', 'id']);
      assert.strictEqual(envelope.version, 2);
      assert.match(String(envelope.id), /^[0-9a-f]{24}$/, 'the id a patch of this plan names');
      const message = bytes.subarray(lineEnd + 1);
      assert.strictEqual(envelope.bytes, message.length);
      // the request's own bytes, not base64: the encoder's output exactly
      assert.deepStrictEqual(message, runToEnd(encodeApplyRequest('apply', p)));
      assert.deepStrictEqual(await readLastPlan(dir), p);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
