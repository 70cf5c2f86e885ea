// Loads proto/lvsctl/v1/agent.proto at run time. proto/ is not copied into dist/, so the
// file is looked up from both places this module runs from: lvs/wire/ (sources) and
// dist/lvs/wire/ (built).
import { existsSync } from 'fs';
import { join } from 'path';
import { loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';
import type { ProtoGrpcType } from '../../proto/generated/agent';

/** Must match the flags of `npm run gen:proto`, or the generated types would lie. */
export const LOADER_OPTIONS: Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

const RELATIVE = join('proto', 'lvsctl', 'v1', 'agent.proto');

export function agentProtoPath(): string {
  const candidates = [join(__dirname, '..', '..', RELATIVE), join(__dirname, '..', '..', '..', RELATIVE)];
  const found = candidates.find((c) => existsSync(c));
  if (!found) {
    throw new Error(`agent.proto not found (looked in ${candidates.join(', ')}): the package is incomplete, reinstall it`);
  }
  return found;
}

let cached: ProtoGrpcType | undefined;

export function loadAgentProto(): ProtoGrpcType {
  cached ??= loadPackageDefinition(loadSync(agentProtoPath(), LOADER_OPTIONS)) as unknown as ProtoGrpcType;
  return cached;
}
