// An in-memory mangle table for tests. Like iptables-restore, a replace or a removal is
// all or nothing: an injected failure leaves the table exactly as it was.
import type { Marks, MarkState } from '../marks';
import type { MarkRule } from '../model';

export class FakeMarks implements Marks {
  private state: MarkState;
  private failures: { replace?: string; remove?: string; read?: string } = {};
  private readBackTwist: ((state: MarkState) => MarkState) | undefined;
  readonly calls = { read: 0, replaceOwnedChain: 0, removeOwnedChain: 0 };

  constructor(initial: Partial<MarkState> = {}) {
    this.state = {
      chainExists: initial.chainExists ?? (initial.owned !== undefined && initial.owned.length > 0),
      jumpPresent: initial.jumpPresent ?? (initial.owned !== undefined && initial.owned.length > 0),
      owned: structuredClone(initial.owned ?? []),
      foreign: structuredClone(initial.foreign ?? []),
      unparsed: [...(initial.unparsed ?? [])],
      foreignUnparsed: [...(initial.foreignUnparsed ?? [])],
    };
  }

  /** The table as it is now, never affected by injected faults. */
  snapshot(): MarkState {
    return structuredClone(this.state);
  }

  failNextReplace(message = 'iptables-restore: line 3 failed'): void {
    this.failures.replace = message;
  }

  failNextRemove(message = 'iptables-restore: line 2 failed'): void {
    this.failures.remove = message;
  }

  failNextRead(message: string): void {
    this.failures.read = message;
  }

  misreportNextRead(twist: (state: MarkState) => MarkState): void {
    this.readBackTwist = twist;
  }

  async read(): Promise<MarkState> {
    this.calls.read++;
    this.throwIfInjected('read');
    const twist = this.readBackTwist;
    this.readBackTwist = undefined;
    return twist ? twist(this.snapshot()) : this.snapshot();
  }

  async replaceOwnedChain(rules: MarkRule[]): Promise<void> {
    this.calls.replaceOwnedChain++;
    this.throwIfInjected('replace');
    this.state = { ...this.state, chainExists: true, jumpPresent: true, owned: structuredClone(rules), unparsed: [] };
  }

  async removeOwnedChain(): Promise<void> {
    this.calls.removeOwnedChain++;
    this.throwIfInjected('remove');
    this.state = { ...this.state, chainExists: false, jumpPresent: false, owned: [], unparsed: [] };
  }

  private throwIfInjected(verb: 'read' | 'replace' | 'remove'): void {
    const message = this.failures[verb];
    if (message === undefined) return;
    this.failures[verb] = undefined;
    throw new Error(message);
  }
}

const _proof: Marks = new FakeMarks();
void _proof;
