// The director's view of the mangle table: the firewall-mark rules feeding fwmark services.
// The agent owns one chain (LVSCTL-MARK) reached by one jump from PREROUTING, and replaces
// it whole and atomically; every other mark rule is someone else's and only reported.
import type { MarkRule } from '../../lvs/model';
import type { MarkState } from '../../lvs/mark-state';

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
  /**
   * The reading taken in the background as the agent started (marks-read-at-start.ts), handed
   * out once; undefined when there is none to trust (never taken, failed, or a write since).
   */
  readingAtStart?(): Promise<MarkState | undefined>;
}
