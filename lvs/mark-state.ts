// The mangle table's firewall-mark rules as read: the chain lvsctl owns (LVSCTL-MARK), the
// jump to it from PREROUTING, and everyone else's mark rules. Plain data.
import type { MarkRule } from './model';

export interface MarkState {
  /** the owned chain exists in the mangle table */
  chainExists: boolean;
  /** PREROUTING jumps to the owned chain */
  jumpPresent: boolean;
  /** how many times it does: more than one is drift (a second `-A`), collapsed on the next swap */
  jumpCount: number;
  /**
   * where each of those jumps stands among PREROUTING's rules (1 for the first rule), and how
   * many rules PREROUTING holds: a rollback puts a deleted jump back at its place, not at the
   * end, where rules after it would see the packets first (absent: not read from iptables-save)
   */
  jumpPositions?: number[];
  preroutingRules?: number;
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
  /**
   * rules elsewhere that jump or go to the owned chain, PREROUTING's own jump apart, as
   * iptables-save prints them (also among foreignUnparsed): while one stands, the kernel
   * refuses to delete the chain (absent: none read)
   */
  references?: string[];
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
