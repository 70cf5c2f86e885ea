// Connections held for a while and no longer: at most `max` at once, the oldest closed to make
// room for a new one, each closed when its time is up, and forgotten when it closes by itself.
// The listener keeps two such pools: connections in their TLS handshake, and connections of a
// certificate --allow does not name (docs/security.md, the bounds table).
import type { Duplex } from 'node:stream';

export interface HeldConnectionsEvents<C, Info> {
  /** `connection` was closed to make room for a newer one */
  evicted?(connection: C, info: Info): void;
  /** `connection` was closed when its time was up */
  expired?(connection: C, info: Info): void;
}

export class HeldConnections<C extends Duplex, Info> {
  // in arrival order: the first is the oldest
  private readonly held = new Map<C, { info: Info; timer: NodeJS.Timeout }>();

  constructor(
    private readonly max: number,
    private readonly holdMs: number,
    private readonly events: HeldConnectionsEvents<C, Info> = {},
  ) {}

  get size(): number {
    return this.held.size;
  }

  /** Holds `connection` for holdMs, closing the oldest first when `max` are held. */
  add(connection: C, info: Info): void {
    if (this.held.size >= this.max) {
      const oldest = this.held.entries().next().value;
      if (oldest) {
        const [evicted, { info: evictedInfo }] = oldest;
        this.forget(evicted);
        this.events.evicted?.(evicted, evictedInfo);
        evicted.destroy();
      }
    }
    const timer = setTimeout(() => {
      if (!this.forget(connection)) return;
      this.events.expired?.(connection, info);
      connection.destroy();
    }, this.holdMs);
    // a held connection's deadline must not keep a stopping agent alive
    timer.unref();
    this.held.set(connection, { info, timer });
    connection.once('close', () => this.forget(connection));
  }

  /** Lets `connection` go without closing it; its info, or undefined when it was not held. */
  forget(connection: C): Info | undefined {
    const entry = this.held.get(connection);
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    this.held.delete(connection);
    return entry.info;
  }

  /** Closes every connection held. */
  closeAll(): void {
    for (const connection of [...this.held.keys()]) {
      this.forget(connection);
      connection.destroy();
    }
  }
}
