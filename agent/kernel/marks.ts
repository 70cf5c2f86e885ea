// The director's view of the mangle table: the firewall-mark rules feeding fwmark services.
// The agent owns one chain (LVSCTL-MARK) reached by one jump from PREROUTING, and replaces
// it whole and atomically; every other mark rule is someone else's and only reported.
import type { MarkRule } from './model';

export interface MarkState {
  /** the owned chain exists in the mangle table */
  chainExists: boolean;
  /** PREROUTING jumps to the owned chain */
  jumpPresent: boolean;
  /** how many times it does: more than one is drift (a second `-A`), collapsed on the next swap */
  jumpCount: number;
  /**
   * every rule of the owned chain exactly as iptables-save prints it ("-A LVSCTL-MARK …"), in
   * order, whoever wrote it: what a rollback puts back, so a hand edit survives a failed apply
   */
  chain: string[];
  /** rules of the owned chain, in chain order */
  owned: MarkRule[];
  /** MARK rules elsewhere in the mangle table: not ours, left alone */
  foreign: MarkRule[];
  /** rules of the owned chain that are not mark rules we can read: replaced on the next swap, reported */
  unparsed: string[];
  /** MARK rules elsewhere that cannot be read as plan mark rules (e.g. with "!" or -s): reported */
  foreignUnparsed: string[];
}

export interface Marks {
  /** The mangle table's mark rules (one `iptables-save -t mangle`). */
  read(): Promise<MarkState>;
  /**
   * Makes the owned chain exactly these rules and PREROUTING jump to it exactly once (one
   * `iptables-restore --noflush`, atomic): a missing jump is added, extra ones deleted.
   */
  replaceOwnedChain(rules: MarkRule[]): Promise<void>;
  /** Removes every jump to the owned chain and the chain (atomic); nothing to do when neither exists. */
  removeOwnedChain(): Promise<void>;
  /**
   * Puts the owned chain back exactly as an earlier read saw it: its lines (ours or not) and
   * its number of jumps, or no chain at all (one `iptables-restore --noflush`, atomic).
   */
  restoreChain(snapshot: MarkState): Promise<void>;
}

export const NO_MARKS: MarkState = {
  chainExists: false,
  jumpPresent: false,
  jumpCount: 0,
  chain: [],
  owned: [],
  foreign: [],
  unparsed: [],
  foreignUnparsed: [],
};
