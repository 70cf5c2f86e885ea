// Where agent.proto comes from and how it is read. proto/ is not copied into dist/, so the
// file is looked up from both places the code runs from: lvs/wire/ (sources) and
// dist/lvs/wire/ (built). A packaged executable has no proto/ beside it: it carries the
// contract as protobufjs JSON (made by scripts/package/ with agentProtoJson).
import { existsSync } from 'fs';
import { join } from 'path';
import type { Options } from '@grpc/proto-loader';

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

/** The asset name of the contract in a packaged executable. */
export const EMBEDDED_PROTO_ASSET = 'agent.proto.json';
