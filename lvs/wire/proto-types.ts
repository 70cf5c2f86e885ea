// agent.proto's message types as protobufjs sees them, for the codecs that work a piece at a
// time (sliced-message-codec.ts). Loaded from the same source as @grpc/proto-loader's
// definition (proto-loader.ts): the .proto file, or in a packaged executable the embedded
// protobufjs JSON made from it with the same options, so both hand out the same objects.
import { Root, type IConversionOptions, type INamespace, type Type } from 'protobufjs';
import { embeddedAsset } from '../embedded-assets';
import { agentProtoPath, EMBEDDED_PROTO_ASSET, LOADER_OPTIONS } from './proto-loader';

export const CONVERSION_OPTIONS: IConversionOptions = {
  longs: LOADER_OPTIONS.longs, enums: LOADER_OPTIONS.enums, defaults: LOADER_OPTIONS.defaults, oneofs: LOADER_OPTIONS.oneofs,
};

let root: Root | undefined;

/** The contract's root: from the embedded JSON when given (a packaged executable), else from agent.proto. */
export function agentProtoRoot(json?: INamespace): Root {
  const loaded = json ? Root.fromJSON(json) : new Root().loadSync(agentProtoPath(), { keepCase: LOADER_OPTIONS.keepCase ?? false });
  loaded.resolveAll();
  return loaded;
}

/** A message type of package lvsctl.v1, e.g. "ApplyRequest". */
export function agentProtoType(name: string): Type {
  if (!root) {
    const embedded = embeddedAsset(EMBEDDED_PROTO_ASSET);
    root = agentProtoRoot(embedded ? (JSON.parse(embedded.toString('utf8')) as INamespace) : undefined);
  }
  return root.lookupType(`lvsctl.v1.${name}`);
}
