// The services of the last Apply request, by their bytes: a rollout sends the whole plan each
// time, and the controller encodes a service the same way each time, so a re-apply of 2,000
// services with one weight changed carries 1,999 services byte for byte as before. Those are
// taken as they were decoded and checked the last time — the same objects, so the apply can
// tell "unchanged since the last plan" by identity (the health monitor keeps their targets
// without rebuilding them). Decoding is a pure function of the bytes, so a service found here
// is exactly the one decoding would give.
//
// Found by comparing bytes (memcmp), not by a string of them: a request's service is first
// compared with the one the last request held at the same place (or as far from it as the
// last one found elsewhere was: a service added or removed shifts the rest); only a service
// not there is looked for by a hash of its bytes. A string per service made a re-apply of
// 2,000 services a megabyte of strings to make, hash and collect (ten at 20,000).
import { Buffer } from 'node:buffer';
import type { DirectorService } from '../host-plan';

/** One request's services in order, their bytes copied into one buffer (a request's own buffer may be reused once it is decoded). */
class KnownServices {
  private byHash: Map<number, number[]> | undefined;

  constructor(
    private readonly bytes: Buffer,
    /** where each service's bytes start in `bytes`; one more entry: where the last one ends */
    private readonly starts: readonly number[],
    readonly services: readonly DirectorService[],
  ) {}

  static of(bodies: readonly Uint8Array[], services: readonly DirectorService[]): KnownServices {
    const starts = [0];
    for (const body of bodies) starts.push(starts[starts.length - 1] + body.byteLength);
    const bytes = Buffer.alloc(starts[starts.length - 1]);
    bodies.forEach((body, i) => bytes.set(body, starts[i]));
    return new KnownServices(bytes, starts, services);
  }

  /** the service at `at` has exactly these bytes */
  equalAt(at: number, body: Uint8Array): boolean {
    if (at < 0 || at >= this.services.length) return false;
    const start = this.starts[at];
    const end = this.starts[at + 1];
    return end - start === body.byteLength && this.bytes.compare(body, 0, body.byteLength, start, end) === 0;
  }

  /** where a service with these bytes is, looked up by their hash (the index made on first use), or -1 */
  find(body: Uint8Array): number {
    if (this.byHash === undefined) {
      this.byHash = new Map();
      for (let at = 0; at < this.services.length; at++) {
        const hash = hashOf(this.bytes.subarray(this.starts[at], this.starts[at + 1]));
        const same = this.byHash.get(hash);
        if (same) same.push(at);
        else this.byHash.set(hash, [at]);
      }
    }
    for (const at of this.byHash.get(hashOf(body)) ?? []) if (this.equalAt(at, body)) return at;
    return -1;
  }
}

const NOTHING_KNOWN = new KnownServices(Buffer.alloc(0), [0], []);

export class DecodedServices {
  private known = NOTHING_KNOWN;

  /** One request's decoding: looks services up and collects them; `settle` once it decoded whole. */
  session(): DecodedServicesSession {
    const known = this.known;
    const bodies: Uint8Array[] = [];
    const services: DirectorService[] = [];
    /** how far from its place in this request the last service found elsewhere was in the last one */
    let shift = 0;
    return {
      lookup: (body) => {
        const position = bodies.length;
        let at = known.equalAt(position + shift, body) ? position + shift : known.equalAt(position, body) ? position : -1;
        if (at < 0) {
          at = known.find(body);
          if (at >= 0) shift = at - position;
        }
        if (at < 0) return undefined;
        const service = known.services[at];
        bodies.push(body);
        services.push(service);
        return service;
      },
      remember: (body, service) => {
        bodies.push(body);
        services.push(service);
      },
      // only the last request's services are kept: the memory is one plan's bytes, not a history
      settle: () => {
        this.known = KnownServices.of(bodies, services);
      },
    };
  }

  /** how many services are kept (for tests) */
  get size(): number {
    return this.known.services.length;
  }
}

/**
 * One request's side: `lookup` for each of its services in order, and `remember` for each one
 * lookup did not find (decoded meanwhile), so the session knows every service's place.
 */
export interface DecodedServicesSession {
  lookup(body: Uint8Array): DirectorService | undefined;
  remember(body: Uint8Array, service: DirectorService): void;
  settle(): void;
}

/** FNV-1a over the bytes: a service's bytes looked for away from their place (one pass over a megabyte at most, per request). */
function hashOf(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193);
  return hash >>> 0;
}
