// agent.proto's message types as protobufjs sees them: one Root per process, read once from
// the .proto file (or, in a packaged executable, from the embedded protobufjs JSON made from
// it with the same options). grpc-js's service definition (proto-loader.ts) and the codecs
// that work a piece at a time (sliced-message-codec.ts) both use it.
import { Namespace, Root, Type, type IConversionOptions, type INamespace, type ReflectionObject } from 'protobufjs';
import type { Pausable } from '../yield-point';
import { embeddedAsset } from '../embedded-assets';
import { agentProtoPath, EMBEDDED_PROTO_ASSET, LOADER_OPTIONS } from './proto-source';
import { appendAll } from '../append';

/** protobuf's wire types that lvsctl's own codecs write and read: a varint, and a length-delimited field (a string, a message) */
export const VARINT = 0;
export const LENGTH_DELIMITED = 2;

/** How a decoded message becomes an object: as @grpc/proto-loader would with LOADER_OPTIONS. */
export const CONVERSION_OPTIONS: IConversionOptions = {
  longs: LOADER_OPTIONS.longs, enums: LOADER_OPTIONS.enums, defaults: LOADER_OPTIONS.defaults, oneofs: LOADER_OPTIONS.oneofs,
};

let root: Root | undefined;

/** A contract's root: from the given JSON (a packaged executable's), else from agent.proto. */
export function agentProtoRoot(json?: INamespace): Root {
  const loaded = json ? Root.fromJSON(json) : new Root().loadSync(agentProtoPath(), { keepCase: LOADER_OPTIONS.keepCase ?? false });
  loaded.resolveAll();
  return loaded;
}

/** This process's root of the contract, read on first use. */
export function sharedAgentProtoRoot(): Root {
  if (!root) {
    const embedded = embeddedAsset(EMBEDDED_PROTO_ASSET);
    root = agentProtoRoot(embedded ? (JSON.parse(embedded.toString('utf8')) as INamespace) : undefined);
  }
  return root;
}

/**
 * Each domain value of `table` (wire name → domain value, as in enum-names.ts) with its number
 * in agent.proto's enum `enumName` (e.g. "Forwarding"), for a codec that writes enums itself.
 */
export function enumNumbers<V extends string>(enumName: string, table: Readonly<Record<string, V>>): ReadonlyMap<V, number> {
  const values = sharedAgentProtoRoot().lookupEnum(`lvsctl.v1.${enumName}`).values;
  const numbers = new Map<V, number>();
  for (const [wire, domain] of Object.entries(table)) {
    const number = values[wire];
    if (number === undefined) throw new Error(`agent.proto has no ${enumName} value ${wire}`);
    numbers.set(domain, number);
  }
  return numbers;
}

/** A message type of package lvsctl.v1, e.g. "ApplyRequest". */
export function agentProtoType(name: string): Type {
  return sharedAgentProtoRoot().lookupType(`lvsctl.v1.${name}`);
}

/**
 * Makes every message type's codecs now, one type a step: protobufjs generates each type's
 * encoder, decoder and converters on its first use, and in the lab's kernel that took a fresh
 * agent's first Hello 1.8 s and held its first Apply's decoding (docs/architecture.md,
 * "Start-up"). An agent runs this once it serves, in slices, before any rollout needs them.
 */
export function* prepareCodecsSteps(root: Root = sharedAgentProtoRoot()): Pausable<number> {
  let prepared = 0;
  const pending: ReflectionObject[] = [...root.nestedArray];
  for (let next = pending.shift(); next !== undefined; next = pending.shift()) {
    if (next instanceof Type) {
      next.setup();
      prepared += 1;
      yield;
    }
    if (next instanceof Namespace) appendAll(pending, next.nestedArray);
  }
  return prepared;
}
