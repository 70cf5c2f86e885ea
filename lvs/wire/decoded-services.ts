// The services of the last Apply request, by their bytes: a rollout sends the whole plan each
// time, and the controller encodes a service the same way each time, so a re-apply of 2,000
// services with one weight changed carries 1,999 services byte for byte as before. Those are
// taken as they were decoded and checked the last time — the same objects, so the apply can
// tell "unchanged since the last plan" by identity (the health monitor keeps their targets
// without rebuilding them). Decoding is a pure function of the bytes, so a service found here
// is exactly the one decoding would give.
import { Buffer } from 'node:buffer';
import type { DirectorService } from '../host-plan';

export class DecodedServices {
  /** the last request's services, by their bytes (latin1: one character per byte) */
  private known = new Map<string, DirectorService>();

  /** One request's decoding: looks services up and collects them; `settle` once it decoded whole. */
  session(): DecodedServicesSession {
    const seen = new Map<string, DirectorService>();
    return {
      lookup: (body) => {
        const key = keyOf(body);
        const service = this.known.get(key) ?? seen.get(key);
        if (service !== undefined) seen.set(key, service);
        return service;
      },
      remember: (body, service) => {
        seen.set(keyOf(body), service);
      },
      // only the last request's services are kept: the memory is one plan's bytes, not a history
      settle: () => {
        this.known = seen;
      },
    };
  }

  /** how many services are kept (for tests) */
  get size(): number {
    return this.known.size;
  }
}

export interface DecodedServicesSession {
  lookup(body: Uint8Array): DirectorService | undefined;
  remember(body: Uint8Array, service: DirectorService): void;
  settle(): void;
}

function keyOf(body: Uint8Array): string {
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('latin1');
}
