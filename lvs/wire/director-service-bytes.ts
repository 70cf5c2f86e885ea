// A director service's protobuf bytes (agent.proto's DirectorService), written straight from
// the domain object into one buffer: the very bytes protobufjs writes for hostPlanToWire's
// object of it (test/unit/wire/director-service-bytes.test.ts checks that on arbitrary
// services), without the wire object, protobufjs's message objects and its one operation
// object per field written. A 2,000 × 10 plan is 22,000 destinations: through protobufjs its
// request took 37 MB of short-lived objects to encode (on the host 160-250 ms; in the lab's
// user-mode kernel, where every fresh page of memory is a trap, 1.8 s). The health check, a
// large message met once per service, still goes through protobufjs. Pure.
import { util } from 'protobufjs';
import type { DirectorService } from '../host-plan';
import type { Destination, ServiceKey, VirtualService } from '../model';
import { ADDRESS_FAMILY, FORWARDING, PROTOCOL } from './enum-names';
import { healthCheckToWire } from './host-plan-encode';
import { agentProtoType, enumNumbers, LENGTH_DELIMITED, VARINT } from './proto-types';
import type { Pausable } from '../yield-point';

/** The service's DirectorService message, as protobufjs would encode it. */
export function directorServiceBytes(s: DirectorService): Uint8Array {
  const w = scratch();
  writeDirectorService(w, s);
  return w.take();
}

/**
 * Every service as field `field` of the message that holds them (tag, length, DirectorService),
 * one after another in one buffer, pausing after each: the request's run of services, written
 * once and copied once more, into the whole request.
 */
export function* directorServicesAsField(services: readonly DirectorService[], field: number): Pausable<Uint8Array> {
  const w = new ProtoWriter();
  for (let i = 0; i < services.length; i++) {
    const at = w.begin(field);
    writeDirectorService(w, services[i]);
    w.end(at);
    yield;
  }
  return w.view();
}

function writeDirectorService(w: ProtoWriter, s: DirectorService): void {
  w.string(1, s.name);
  const service = w.begin(2);
  virtualService(w, s.service);
  w.end(service);
  for (const r of s.realservers) {
    const realserver = w.begin(3);
    w.string(1, r.host);
    const destination = w.begin(2);
    destinationFields(w, r.destination);
    w.end(destination);
    w.end(realserver);
  }
  if (s.healthCheck) {
    const type = agentProtoType('HealthCheckSpec');
    w.bytes(4, type.encode(type.fromObject(healthCheckToWire(s.healthCheck))).finish());
  }
  if (s.sorryServer) {
    const sorry = w.begin(5);
    destinationFields(w, s.sorryServer);
    w.end(sorry);
  }
}

function virtualService(w: ProtoWriter, s: VirtualService): void {
  const key = w.begin(1);
  serviceKey(w, s.key);
  w.end(key);
  w.string(2, s.scheduler);
  for (const flag of s.flags) w.string(3, flag);
  if (s.persistence) {
    const persistence = w.begin(4);
    w.uint32(1, s.persistence.timeout);
    w.string(2, s.persistence.netmask ?? '');
    w.end(persistence);
  }
}

function serviceKey(w: ProtoWriter, key: ServiceKey): void {
  const numbers = enumNumbersOfWriter();
  if (key.kind === 'fwmark') {
    const fwmark = w.begin(1);
    w.uint32(1, key.mark);
    w.uint32(2, numbers.family.get(key.family) as number);
    w.end(fwmark);
    return;
  }
  const port = w.begin(2);
  w.uint32(1, numbers.protocol.get(key.kind) as number);
  w.string(2, key.vip);
  w.uint32(3, key.port);
  w.end(port);
}

function destinationFields(w: ProtoWriter, d: Destination): void {
  w.string(1, d.address);
  w.uint32(2, d.port);
  w.uint32(3, d.weight);
  w.uint32(4, enumNumbersOfWriter().forwarding.get(d.forwarding) as number);
}

interface EnumNumbers {
  family: ReadonlyMap<string, number>;
  protocol: ReadonlyMap<string, number>;
  forwarding: ReadonlyMap<string, number>;
}

let numbersMade: EnumNumbers | undefined;

/** Each domain value's enum number, from the contract (agent.proto) itself. */
function enumNumbersOfWriter(): EnumNumbers {
  numbersMade ??= { family: enumNumbers('AddressFamily', ADDRESS_FAMILY), protocol: enumNumbers('Protocol', PROTOCOL), forwarding: enumNumbers('Forwarding', FORWARDING) };
  return numbersMade;
}

/**
 * Protobuf's wire format into one growing buffer. A nested message's length comes before it
 * but is known only after it: one byte is kept for it, and the message moved on in the rare
 * case it is 128 bytes or longer (a service with its realservers is; a destination is not).
 */
class ProtoWriter {
  private buffer = Buffer.allocUnsafe(4096);
  private at = 0;

  /** A fresh start over the same buffer. */
  reset(): this {
    this.at = 0;
    return this;
  }

  /** What was written, copied out (the buffer is written over next time). */
  take(): Uint8Array {
    return Buffer.from(this.buffer.subarray(0, this.at));
  }

  /** What was written, in place (a writer of its own, not written again). */
  view(): Uint8Array {
    return this.buffer.subarray(0, this.at);
  }

  uint32(field: number, value: number): void {
    this.varint((field << 3) | VARINT);
    this.varint(value >>> 0);
  }

  string(field: number, text: string): void {
    this.varint((field << 3) | LENGTH_DELIMITED);
    if (isAscii(text)) {
      this.varint(text.length);
      this.room(text.length);
      for (let i = 0; i < text.length; i++) this.buffer[this.at++] = text.charCodeAt(i);
    } else {
      const length = util.utf8.length(text);
      this.varint(length);
      this.room(length);
      this.at += util.utf8.write(text, this.buffer, this.at);
    }
  }

  bytes(field: number, bytes: Uint8Array): void {
    this.varint((field << 3) | LENGTH_DELIMITED);
    this.varint(bytes.length);
    this.room(bytes.length);
    this.buffer.set(bytes, this.at);
    this.at += bytes.length;
  }

  /** Opens a nested message: its tag, and the byte kept for its length. Returns where that byte is. */
  begin(field: number): number {
    this.varint((field << 3) | LENGTH_DELIMITED);
    this.room(1);
    return this.at++;
  }

  /** Closes the nested message opened at `lengthAt`: its length written before it. */
  end(lengthAt: number): void {
    const length = this.at - lengthAt - 1;
    if (length < 0x80) {
      this.buffer[lengthAt] = length;
      return;
    }
    const extra = varintSize(length) - 1;
    this.room(extra);
    this.buffer.copyWithin(lengthAt + 1 + extra, lengthAt + 1, this.at);
    const bodyEnd = this.at + extra;
    this.at = lengthAt;
    this.varint(length);
    this.at = bodyEnd;
  }

  private varint(value: number): void {
    this.room(5);
    let v = value >>> 0;
    while (v > 0x7f) {
      this.buffer[this.at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buffer[this.at++] = v;
  }

  /** At least `bytes` more fit. */
  private room(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.at + bytes));
    this.buffer.copy(bigger, 0, 0, this.at);
    this.buffer = bigger;
  }
}

function varintSize(value: number): number {
  let size = 1;
  for (let v = value >>> 7; v > 0; v >>>= 7) size++;
  return size;
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

let shared: ProtoWriter | undefined;

/** One writer for the process, emptied: a service at a time, each copied out whole. */
function scratch(): ProtoWriter {
  shared ??= new ProtoWriter();
  return shared.reset();
}
