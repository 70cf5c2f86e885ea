// Encoding and decoding one protobuf message a piece at a time, so that a 7 MB Apply request
// (20,000 services x 10 destinations) never holds the event loop for seconds. The pieces are
// the elements of the message's big repeated fields: protobuf writes a repeated field as a run
// of independent (tag, length, bytes) entries, and fields may come in any order, so each
// element is encoded or decoded on its own while the rest of the message goes through
// protobufjs whole. The objects are those @grpc/proto-loader hands out (the same toObject
// options), so the generated *__Output types describe them.
import { Reader, Writer, type IConversionOptions, type Type } from 'protobufjs';
import type { Pausable } from '../yield-point';
import { LENGTH_DELIMITED } from './proto-types';

/**
 * Which length-delimited fields of a message are taken apart: 'each' for a repeated message
 * field (one element at a time), a nested spec for a message field holding such fields.
 */
export interface SliceSpec {
  readonly [field: string]: 'each' | SliceSpec;
}

/**
 * Reads the elements of one repeated field itself, by the field's path ("plan.director.services"):
 * say, from elements it already decoded; `decode` is the usual way, `index` the element's place.
 */
export type ElementReader = (body: Uint8Array, decode: () => Record<string, unknown>, index: number) => unknown;
export type ElementReaders = Readonly<Record<string, ElementReader>>;

/** The bytes do not decode as the message (truncated, a wrong wire type, a bad length). */
export class MessageDecodeError extends Error {
  constructor(readonly path: string, cause: string) {
    super(`${path === '' ? 'the message' : path}: does not decode as protobuf (${cause})`);
    this.name = 'MessageDecodeError';
  }
}


/** `bytes` as a plain object, pausing after every element of the fields `spec` names. */
export function* decodeSliced(
  type: Type, bytes: Uint8Array, spec: SliceSpec, options: IConversionOptions, path = '', readers: ElementReaders = {},
): Pausable<Record<string, unknown>> {
  const reader = Reader.create(bytes);
  const rest: Uint8Array[] = [];
  const taken: Record<string, unknown> = {};
  const named = (name: string): string => (path === '' ? name : `${path}.${name}`);
  while (reader.pos < reader.len) {
    const start = reader.pos;
    let body: Uint8Array | undefined;
    let field: Type['fieldsById'][number] | undefined;
    try {
      const tag = reader.uint32();
      field = type.fieldsById[tag >>> 3];
      if (field && spec[field.name] !== undefined && (tag & 7) === LENGTH_DELIMITED) {
        body = reader.bytes();
      } else {
        reader.skipType(tag & 7);
        rest.push(bytes.subarray(start, reader.pos));
      }
    } catch (err) {
      throw new MessageDecodeError(path, err instanceof Error ? err.message : String(err));
    }
    if (!body || !field) continue;
    const how = spec[field.name];
    const inner = field.resolvedType as Type;
    if (how === 'each') {
      const list = (taken[field.name] ??= []) as unknown[];
      const at = `${named(field.name)}[${list.length}]`;
      const element = body;
      const decode = (): Record<string, unknown> => decodeWhole(inner, element, options, at);
      const reader = readers[named(field.name)];
      list.push(reader ? reader(element, decode, list.length) : decode());
      yield;
    } else {
      taken[field.name] = yield* decodeSliced(inner, body, how, options, named(field.name), readers);
      // proto-loader's `oneofs: true` names the member that is set
      if (field.partOf) taken[field.partOf.name] = field.name;
    }
  }
  const whole = decodeWhole(type, rest.length === 1 ? rest[0] : Buffer.concat(rest), options, path);
  return { ...whole, ...taken };
}

function decodeWhole(type: Type, bytes: Uint8Array, options: IConversionOptions, path: string): Record<string, unknown> {
  try {
    return type.toObject(type.decode(bytes), options);
  } catch (err) {
    throw new MessageDecodeError(path, err instanceof Error ? err.message : String(err));
  }
}

/**
 * Writes the elements of one repeated field itself, by the field's path
 * ("plan.director.services"): the elements are its own (the value holds none there). Given the
 * field's number, it writes every element as that field (tag, length, message), pausing
 * between them, and returns those bytes.
 */
export type ElementWriter = (field: number) => Pausable<Uint8Array>;
export type ElementWriters = Readonly<Record<string, ElementWriter>>;

/** `value` encoded, pausing after every element of the fields `spec` names. */
export function* encodeSliced(
  type: Type, value: Record<string, unknown>, spec: SliceSpec, writers: ElementWriters = {},
): Pausable<Uint8Array> {
  const { parts } = yield* encodeParts(type, value, spec, writers, '');
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

/**
 * The message as pieces in order, and their length: a nested message's pieces follow its tag
 * and length as they are, so the bytes are copied once, into the whole (a 2,000-service
 * request copied at each of its three levels was most of its encoding in the lab).
 */
function* encodeParts(
  type: Type, value: Record<string, unknown>, spec: SliceSpec, writers: ElementWriters, path: string,
): Pausable<{ parts: Uint8Array[]; length: number }> {
  const others: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(value)) if (spec[name] === undefined) others[name] = v;
  const parts: Uint8Array[] = [type.encode(type.fromObject(others)).finish()];
  let length = parts[0].length;
  const add = (part: Uint8Array): void => {
    parts.push(part);
    length += part.length;
  };
  for (const [name, how] of Object.entries(spec)) {
    const v = value[name];
    const field = type.fields[name];
    if (!field) continue;
    const inner = field.resolvedType as Type;
    const tag = (field.id << 3) | LENGTH_DELIMITED;
    const fieldPath = path === '' ? name : `${path}.${name}`;
    const writer = writers[fieldPath];
    if (how === 'each' && writer) {
      add(yield* writer(field.id));
    } else if (v === undefined || v === null) {
      continue;
    } else if (how === 'each') {
      for (const element of v as Record<string, unknown>[]) {
        add(Writer.create().uint32(tag).bytes(inner.encode(inner.fromObject(element)).finish()).finish());
        yield;
      }
    } else {
      const nested = yield* encodeParts(inner, v as Record<string, unknown>, how, writers, fieldPath);
      add(Writer.create().uint32(tag).uint32(nested.length).finish());
      for (const part of nested.parts) add(part);
    }
  }
  return { parts, length };
}
