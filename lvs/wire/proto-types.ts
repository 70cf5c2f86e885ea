// agent.proto's message types as protobufjs sees them, for the codecs that work a piece at a
// time (sliced-message-codec.ts). Loaded the way @grpc/proto-loader loads the same file, with
// its conversion options, so both hand out the same objects.
import { Root, type IConversionOptions, type Type } from 'protobufjs';
import { agentProtoPath, LOADER_OPTIONS } from './proto-loader';

export const CONVERSION_OPTIONS: IConversionOptions = {
  longs: LOADER_OPTIONS.longs, enums: LOADER_OPTIONS.enums, defaults: LOADER_OPTIONS.defaults, oneofs: LOADER_OPTIONS.oneofs,
};

let root: Root | undefined;

/** A message type of package lvsctl.v1, e.g. "ApplyRequest". */
export function agentProtoType(name: string): Type {
  if (!root) {
    root = new Root().loadSync(agentProtoPath(), { keepCase: LOADER_OPTIONS.keepCase ?? false });
    root.resolveAll();
  }
  return root.lookupType(`lvsctl.v1.${name}`);
}
