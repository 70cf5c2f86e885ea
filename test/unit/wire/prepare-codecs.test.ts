import assert from 'assert';
import type { Type } from 'protobufjs';
import { agentProtoRoot, prepareCodecsSteps } from '../../../lvs/wire/proto-types';
import { runToEnd } from '../../../lvs/yield-point';

describe('the agent makes every message type\'s codecs ahead (prepareCodecsSteps)', () => {
  /** protobufjs's setup() puts each generated codec on the type itself; until then the prototype's stub makes it on first use */
  const made = (type: Type): boolean => ['encode', 'decode', 'fromObject', 'toObject'].every((codec) => Object.prototype.hasOwnProperty.call(type, codec));

  it('makes them for every type, nested ones included, one type a step', () => {
    const root = agentProtoRoot();
    const names = ['lvsctl.v1.HelloReply', 'lvsctl.v1.ApplyRequest', 'lvsctl.v1.Destination'];
    for (const name of names) assert.equal(made(root.lookupType(name)), false, `${name} has its codecs before any use`);
    const steps = prepareCodecsSteps(root);
    let pauses = 0;
    let step = steps.next();
    for (; !step.done; step = steps.next()) pauses += 1;
    assert.ok(step.value > 20, `only ${step.value} types prepared`);
    assert.equal(pauses, step.value, 'one pause after each type');
    for (const name of names) assert.ok(made(root.lookupType(name)), `${name} has no codecs of its own after`);
  });

  it('leaves each type encoding and decoding as before', () => {
    const root = agentProtoRoot();
    runToEnd(prepareCodecsSteps(root));
    const destination = root.lookupType('lvsctl.v1.Destination');
    const bytes = destination.encode(destination.fromObject({ address: '10.0.0.11', port: 80, weight: 5 })).finish();
    assert.deepEqual(destination.toObject(destination.decode(bytes)), { address: '10.0.0.11', port: 80, weight: 5 });
  });
});
