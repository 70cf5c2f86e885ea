// A director service's protobuf bytes (agent.proto's DirectorService) read straight into the
// object protobufjs's decode and toObject give with proto-loader's options (enums by name,
// defaults filled, the oneof named): the checks of host-plan-decode.ts then take it as ever.
// protobufjs made a message object of every realserver and destination and then a copy of
// each; a 2,000 × 10 request is 22,000 of them, and in the lab's user-mode kernel, where every
// fresh page of memory is a trap, its decode took 1.3-1.5 s of a fresh agent's time.
//
// Only the form a controller writes is read here: every field known and of its wire type, a
// singular field once, every enum number one agent.proto names, every length inside the
// message. Anything else (protobuf allows more: fields again, merged or last one winning,
// unknown fields) gives undefined, and the caller decodes those bytes through protobufjs,
// which also says what is wrong with bytes that are not protobuf at all. A property test holds
// the two to the same objects (test/unit/wire/director-service-read.test.ts). Pure.
import type { DirectorService__Output } from '../../proto/generated/lvsctl/v1/DirectorService';
import type { DirectorRealserver__Output } from '../../proto/generated/lvsctl/v1/DirectorRealserver';
import type { Destination__Output } from '../../proto/generated/lvsctl/v1/Destination';
import type { ServiceKey__Output } from '../../proto/generated/lvsctl/v1/ServiceKey';
import type { FwmarkKey__Output } from '../../proto/generated/lvsctl/v1/FwmarkKey';
import type { PortKey__Output } from '../../proto/generated/lvsctl/v1/PortKey';
import type { VirtualService__Output } from '../../proto/generated/lvsctl/v1/VirtualService';
import type { HealthCheckSpec__Output } from '../../proto/generated/lvsctl/v1/HealthCheckSpec';
import { agentProtoType, CONVERSION_OPTIONS, LENGTH_DELIMITED, sharedAgentProtoRoot, VARINT } from './proto-types';

/**
 * Short ASCII strings read so far, by their bytes: a realserver's host name and address come
 * back in every service it serves, and are then one string, not one per service. One table
 * per request, so it is bounded by the request's size.
 */
export class StringTable {
  private readonly byHash = new Map<number, string>();

  /** The text of bytes[start, end). */
  read(bytes: Buffer, start: number, end: number): string {
    if (end - start > 64) return bytes.toString('utf8', start, end);
    let hash = 0x811c9dc5;
    for (let i = start; i < end; i++) {
      const byte = bytes[i];
      if (byte > 0x7f) return bytes.toString('utf8', start, end);
      hash = Math.imul(hash ^ byte, 0x01000193);
    }
    const known = this.byHash.get(hash);
    if (known !== undefined && sameText(known, bytes, start, end)) return known;
    const text = bytes.toString('latin1', start, end);
    this.byHash.set(hash, text);
    return text;
  }
}

function sameText(text: string, bytes: Uint8Array, start: number, end: number): boolean {
  if (text.length !== end - start) return false;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) !== bytes[start + i]) return false;
  return true;
}

/** The bytes are not in the plain form this reader takes (see the top of the file). */
class NotPlain extends Error {}

/** The service as protobufjs would give it, or undefined when protobufjs is to read these bytes. */
export function readDirectorServiceObject(bytes: Uint8Array, strings: StringTable): DirectorService__Output | undefined {
  try {
    const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return directorService(new Cursor(buffer, strings), buffer.length);
  } catch (error) {
    if (error instanceof NotPlain) return undefined;
    throw error;
  }
}

// Each message below is read from the cursor up to `end`, where it stops. `seen` holds a bit
// per singular field met (field numbers are below 32): `once(seen, n)` is false the second time.

function directorService(c: Cursor, end: number): DirectorService__Output {
  const out: DirectorService__Output = { realservers: [], name: '', service: null, healthCheck: null, sorryServer: null };
  let seen = 0;
  while (c.at < end) {
    const field = c.tag(end);
    if (c.wireType !== LENGTH_DELIMITED || (field !== 3 && !once(seen, field))) throw new NotPlain();
    seen |= 1 << field;
    if (field === 1) out.name = c.string(end);
    else if (field === 2) out.service = virtualService(c, c.end(end));
    else if (field === 3) (out.realservers as DirectorRealserver__Output[]).push(realserver(c, c.end(end)));
    else if (field === 4) out.healthCheck = healthCheck(c.bytes(end));
    else if (field === 5) out.sorryServer = destination(c, c.end(end));
    else throw new NotPlain();
  }
  return out;
}

function virtualService(c: Cursor, end: number): VirtualService__Output {
  const out: VirtualService__Output = { flags: [], key: null, scheduler: '', persistence: null };
  let seen = 0;
  while (c.at < end) {
    const field = c.tag(end);
    if (c.wireType !== LENGTH_DELIMITED || (field !== 3 && !once(seen, field))) throw new NotPlain();
    seen |= 1 << field;
    if (field === 1) out.key = serviceKey(c, c.end(end));
    else if (field === 2) out.scheduler = c.string(end);
    else if (field === 3) out.flags.push(c.string(end));
    else if (field === 4) out.persistence = persistence(c, c.end(end));
    else throw new NotPlain();
  }
  return out;
}

function serviceKey(c: Cursor, end: number): ServiceKey__Output {
  // a oneof: one member at most, named as proto-loader's `oneofs` does
  if (c.at === end) return {};
  const field = c.tag(end);
  if (c.wireType !== LENGTH_DELIMITED) throw new NotPlain();
  let out: ServiceKey__Output;
  if (field === 1) out = { fwmark: fwmarkKey(c, c.end(end)), key: 'fwmark' };
  else if (field === 2) out = { port: portKey(c, c.end(end)), key: 'port' };
  else throw new NotPlain();
  // a second member after it: protobufjs keeps both, and the name is the last one's; left to it
  if (c.at !== end) throw new NotPlain();
  return out;
}

function fwmarkKey(c: Cursor, end: number): FwmarkKey__Output {
  const names = enumNames();
  const out: FwmarkKey__Output = { mark: 0, family: names.family[0] as FwmarkKey__Output['family'] };
  let seen = 0;
  while (c.at < end) {
    const field = c.tag(end);
    if (c.wireType !== VARINT || !once(seen, field)) throw new NotPlain();
    seen |= 1 << field;
    if (field === 1) out.mark = c.uint32(end);
    else if (field === 2) out.family = c.enumName(end, names.family) as FwmarkKey__Output['family'];
    else throw new NotPlain();
  }
  return out;
}

function portKey(c: Cursor, end: number): PortKey__Output {
  const names = enumNames();
  const out: PortKey__Output = { protocol: names.protocol[0] as PortKey__Output['protocol'], vip: '', port: 0 };
  let seen = 0;
  while (c.at < end) {
    const field = c.tag(end);
    if (c.wireType !== (field === 2 ? LENGTH_DELIMITED : VARINT) || !once(seen, field)) throw new NotPlain();
    seen |= 1 << field;
    if (field === 1) out.protocol = c.enumName(end, names.protocol) as PortKey__Output['protocol'];
    else if (field === 2) out.vip = c.string(end);
    else if (field === 3) out.port = c.uint32(end);
    else throw new NotPlain();
  }
  return out;
}

function persistence(c: Cursor, end: number): { timeoutSeconds: number; netmask: string } {
  const out = { timeoutSeconds: 0, netmask: '' };
  let seen = 0;
  while (c.at < end) {
    const field = c.tag(end);
    if (c.wireType !== (field === 2 ? LENGTH_DELIMITED : VARINT) || !once(seen, field)) throw new NotPlain();
    seen |= 1 << field;
    if (field === 1) out.timeoutSeconds = c.uint32(end);
    else if (field === 2) out.netmask = c.string(end);
    else throw new NotPlain();
  }
  return out;
}

function realserver(c: Cursor, end: number): DirectorRealserver__Output {
  const out: DirectorRealserver__Output = { host: '', destination: null };
  let seen = 0;
  while (c.at < end) {
    const field = c.tag(end);
    if (c.wireType !== LENGTH_DELIMITED || !once(seen, field)) throw new NotPlain();
    seen |= 1 << field;
    if (field === 1) out.host = c.string(end);
    else if (field === 2) out.destination = destination(c, c.end(end));
    else throw new NotPlain();
  }
  return out;
}

function destination(c: Cursor, end: number): Destination__Output {
  const names = enumNames();
  const out: Destination__Output = { address: '', port: 0, weight: 0, forwarding: names.forwarding[0] as Destination__Output['forwarding'] };
  let seen = 0;
  while (c.at < end) {
    const field = c.tag(end);
    if (c.wireType !== (field === 1 ? LENGTH_DELIMITED : VARINT) || !once(seen, field)) throw new NotPlain();
    seen |= 1 << field;
    if (field === 1) out.address = c.string(end);
    else if (field === 2) out.port = c.uint32(end);
    else if (field === 3) out.weight = c.uint32(end);
    else if (field === 4) out.forwarding = c.enumName(end, names.forwarding) as Destination__Output['forwarding'];
    else throw new NotPlain();
  }
  return out;
}

/** The health check, once a service: through protobufjs. */
function healthCheck(bytes: Uint8Array): HealthCheckSpec__Output {
  const type = agentProtoType('HealthCheckSpec');
  try {
    return type.toObject(type.decode(bytes), CONVERSION_OPTIONS) as HealthCheckSpec__Output;
  } catch {
    throw new NotPlain();
  }
}

/** true unless the singular field's bit is in `seen` already */
function once(seen: number, field: number): boolean {
  return (seen & (1 << field)) === 0;
}

/**
 * One position in the bytes, moved on field by field. Every read is bounded by the end of the
 * message it is in (`end`), so a field that would run past it is not taken, and a message's loop
 * ends exactly at its end.
 */
class Cursor {
  at = 0;
  /** the wire type of the field whose tag was read last */
  wireType = -1;

  constructor(private readonly buffer: Buffer, private readonly strings: StringTable) {}

  /** The next field's number (1 to 31); its wire type is then in `wireType`. */
  tag(end: number): number {
    const tag = this.uint32(end);
    this.wireType = tag & 7;
    const field = tag >>> 3;
    if (field === 0 || field > 31) throw new NotPlain();
    return field;
  }

  /** A varint of at most 32 bits, as protobufjs's uint32 reads it (small integers only: nothing allocated). */
  uint32(end: number): number {
    let value = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (this.at >= end) throw new NotPlain();
      const byte = this.buffer[this.at++];
      value |= (byte & 0x7f) << shift;
      if (byte < 0x80) return value;
    }
    // the fifth byte: its low four bits are the number's last; more would be past 32 bits
    if (this.at >= end) throw new NotPlain();
    const byte = this.buffer[this.at++];
    if (byte > 0x0f) throw new NotPlain();
    return (value | (byte << 28)) >>> 0;
  }

  /** An enum's name by its number, from the names agent.proto gives (index = number). */
  enumName(end: number, names: readonly string[]): string {
    const name = names[this.uint32(end)];
    if (name === undefined) throw new NotPlain();
    return name;
  }

  /** A length-delimited field's length read: where its bytes, which follow, end (within `end`). */
  end(end: number): number {
    const length = this.uint32(end);
    if (length > end - this.at) throw new NotPlain();
    return this.at + length;
  }

  string(end: number): string {
    const stop = this.end(end);
    const text = this.strings.read(this.buffer, this.at, stop);
    this.at = stop;
    return text;
  }

  bytes(end: number): Uint8Array {
    const stop = this.end(end);
    const bytes = this.buffer.subarray(this.at, stop);
    this.at = stop;
    return bytes;
  }
}

interface EnumNames {
  family: string[];
  protocol: string[];
  forwarding: string[];
}

let namesMade: EnumNames | undefined;

/** Each enum's names by number, from agent.proto; only enums numbered 0, 1, 2, … without gaps are read here. */
function enumNames(): EnumNames {
  if (namesMade) return namesMade;
  const root = sharedAgentProtoRoot();
  const of = (enumName: string): string[] => {
    const names: string[] = [];
    for (const [name, number] of Object.entries(root.lookupEnum(`lvsctl.v1.${enumName}`).values)) names[number] = name;
    for (let number = 0; number < names.length; number++) {
      if (names[number] === undefined) throw new Error(`agent.proto's ${enumName} is not numbered 0, 1, 2, …`);
    }
    return names;
  };
  namesMade = { family: of('AddressFamily'), protocol: of('Protocol'), forwarding: of('Forwarding') };
  return namesMade;
}
