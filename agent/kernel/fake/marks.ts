// An in-memory mangle table for tests. Like iptables-restore, a replace, a removal or a
// restore is all or nothing: an injected failure leaves the table exactly as it was. The
// owned chain is held as the lines iptables-save would print, so a hand-edited chain (a
// rule lvsctl did not write, one it cannot read) and its exact restore can be tested.
import { MARK_CHAIN, markRuleSpec } from '../../../lvs/formats/iptables-format';
import { readRule, splitWords } from '../../../lvs/formats/iptables-rule';
import type { Marks } from '../marks';
import type { MarkState } from '../../../lvs/mark-state';
import type { MarkRule } from '../../../lvs/model';

interface Table {
  chainExists: boolean;
  jumpCount: number;
  chain: string[];
  foreign: MarkRule[];
  foreignUnparsed: string[];
  /** other chains' jumps into the owned chain: as the kernel, a removal of the chain then fails */
  references: string[];
}

/** "-A LVSCTL-MARK …" for a mark rule, as iptables-save prints it. */
export function chainLine(rule: MarkRule): string {
  return `-A ${MARK_CHAIN} ${markRuleSpec(rule)}`;
}

export class FakeMarks implements Marks {
  private table: Table;
  private failures: { replace?: string; remove?: string; restore?: string; read?: string } = {};
  private readBackTwist: ((state: MarkState) => MarkState) | undefined;
  readonly calls = { read: 0, replaceOwnedChain: 0, removeOwnedChain: 0, restoreChain: 0 };

  /**
   * `chain` (lines) wins over `owned` + `unparsed` (owned rules first, then the unparsed lines);
   * the chain and one jump exist when there is anything in it, unless said otherwise.
   */
  constructor(initial: Partial<MarkState> = {}) {
    const chain = initial.chain ?? [...(initial.owned ?? []).map(chainLine), ...(initial.unparsed ?? [])];
    const chainExists = initial.chainExists ?? chain.length > 0;
    this.table = {
      chainExists,
      jumpCount: initial.jumpCount ?? (initial.jumpPresent ?? chainExists ? 1 : 0),
      chain,
      foreign: structuredClone(initial.foreign ?? []),
      foreignUnparsed: [...(initial.foreignUnparsed ?? []), ...(initial.references ?? [])],
      references: [...(initial.references ?? [])],
    };
  }

  /** The table as it is now, never affected by injected faults. */
  snapshot(): MarkState {
    const { chainExists, jumpCount, chain, foreign, foreignUnparsed, references } = structuredClone(this.table);
    const owned: MarkRule[] = [];
    const unparsed: string[] = [];
    for (const line of chain) {
      const reading = readRule((splitWords(line) ?? []).slice(2));
      if (reading.kind === 'mark') owned.push(reading.rule);
      else unparsed.push(line);
    }
    return { chainExists, jumpPresent: jumpCount > 0, jumpCount, chain, owned, foreign, unparsed, foreignUnparsed, references };
  }

  failNextReplace(message = 'iptables-restore: line 3 failed'): void {
    this.failures.replace = message;
  }

  failNextRemove(message = 'iptables-restore: line 2 failed'): void {
    this.failures.remove = message;
  }

  failNextRestore(message = 'iptables-restore: line 2 failed'): void {
    this.failures.restore = message;
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
    this.table = { ...this.table, chainExists: true, jumpCount: 1, chain: rules.map(chainLine) };
  }

  async removeOwnedChain(): Promise<void> {
    this.calls.removeOwnedChain++;
    this.throwIfInjected('remove');
    // iptables-nft's words for a chain another rule still jumps to
    if (this.table.references.length > 0) throw new Error(`iptables-restore: line 4: CHAIN_DEL failed (Device or resource busy): chain ${MARK_CHAIN}`);
    this.table = { ...this.table, chainExists: false, jumpCount: 0, chain: [] };
  }

  async restoreChain(snapshot: MarkState): Promise<void> {
    this.calls.restoreChain++;
    this.throwIfInjected('restore');
    this.table = snapshot.chainExists
      ? { ...this.table, chainExists: true, jumpCount: snapshot.jumpCount, chain: [...snapshot.chain] }
      : { ...this.table, chainExists: false, jumpCount: 0, chain: [] };
  }

  private throwIfInjected(verb: 'read' | 'replace' | 'remove' | 'restore'): void {
    const message = this.failures[verb];
    if (message === undefined) return;
    this.failures[verb] = undefined;
    throw new Error(message);
  }
}

const _proof: Marks = new FakeMarks();
void _proof;
