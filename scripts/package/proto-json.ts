// The wire contract as protobufjs JSON, for a packaged executable (it has no proto/ to read):
// parsed with the options proto-loader's loadSync gets, so fromJSON gives the same
// definitions (test/unit/package/proto-json.test.ts compares them).
import { Root } from 'protobufjs';
import { agentProtoPath, LOADER_OPTIONS } from '../../lvs/wire/proto-source';

export function agentProtoJson(protoPath = agentProtoPath()): object {
  const root = new Root();
  root.loadSync(protoPath, LOADER_OPTIONS);
  root.resolveAll();
  return root.toJSON();
}
