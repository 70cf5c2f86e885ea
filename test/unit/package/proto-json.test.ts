// A packaged executable loads the wire contract from JSON (proto-loader's fromJSON), not from
// agent.proto: both must give grpc-js the same services, methods and message shapes.
import { strict as assert } from 'node:assert';
import { fromJSON, loadSync, type PackageDefinition } from '@grpc/proto-loader';
import { agentProtoPath, LOADER_OPTIONS } from '../../../lvs/wire/proto-source';
import { agentProtoJson } from '../../../scripts/package/proto-json';
import { agentProtoRoot } from '../../../lvs/wire/proto-types';
import { encodeSliced } from '../../../lvs/wire/sliced-message-codec';
import { hostPlanToWire } from '../../../lvs/wire/host-plan-encode';
import { runToEnd } from '../../../lvs/yield-point';
import { directorPlan } from '../wire/sample-host-plans';

/** What grpc-js uses of a definition: paths, streaming, and each message type's fields. */
function shape(def: PackageDefinition): unknown {
  return Object.fromEntries(Object.entries(def).sort(([a], [b]) => a.localeCompare(b)).map(([name, value]) => {
    if ('format' in value) {
      const type = (value as { type: { field?: Array<{ name: string; number: number; type: string; label: string; typeName: string; oneofIndex?: number }> } }).type;
      return [name, (type.field ?? []).map((f) => [f.name, f.number, f.type, f.label, f.typeName, f.oneofIndex ?? null])];
    }
    return [name, Object.fromEntries(Object.entries(value).map(([method, m]) => {
      const d = m as { path: string; requestStream: boolean; responseStream: boolean; requestType: { type: { name: string } }; responseType: { type: { name: string } } };
      return [method, [d.path, d.requestStream, d.responseStream, d.requestType.type.name, d.responseType.type.name]];
    }))];
  }));
}

describe('the wire contract as embedded JSON', () => {
  it('gives the same definitions as agent.proto', () => {
    const fromProto = loadSync(agentProtoPath(), LOADER_OPTIONS);
    const fromJson = fromJSON(JSON.parse(JSON.stringify(agentProtoJson())), LOADER_OPTIONS);
    assert.deepEqual(shape(fromJson), shape(fromProto));
    const service = Object.entries(fromJson).find(([, v]) => !('format' in v));
    assert.ok(service, 'the JSON has no service');
    assert.ok(Object.keys(service[1]).length >= 4, `the service has ${Object.keys(service[1]).length} methods`);
  });

  it('gives the Apply codec (protobufjs types) the same bytes as agent.proto does', () => {
    const request = { mode: 'APPLY_MODE_APPLY', plan: hostPlanToWire(directorPlan(3)) };
    const spec = { plan: { director: { services: 'each' as const } } };
    const bytesOf = (root: ReturnType<typeof agentProtoRoot>): Buffer =>
      Buffer.from(runToEnd(encodeSliced(root.lookupType('lvsctl.v1.ApplyRequest'), request, spec)));
    const fromJson = bytesOf(agentProtoRoot(JSON.parse(JSON.stringify(agentProtoJson()))));
    assert.ok(fromJson.length > 100);
    assert.deepEqual(fromJson, bytesOf(agentProtoRoot()));
  });
});
