// The director's view of the mangle table: the firewall-mark rules feeding fwmark services.
// The agent owns one chain (LVSCTL-MARK) reached by one jump from PREROUTING, and replaces
// it whole and atomically; every other mark rule is someone else's and only reported.
import type { MarkRule } from './model';

export interface MarkState {
  /** the owned chain exists in the mangle table */
  chainExists: boolean;
  /** PREROUTING jumps to the owned chain */
  jumpPresent: boolean;
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
  /** Makes the owned chain exactly these rules and ensures the jump (one `iptables-restore --noflush`, atomic). */
  replaceOwnedChain(rules: MarkRule[]): Promise<void>;
  /** Removes the jump and the owned chain (atomic); nothing to do when the chain does not exist. */
  removeOwnedChain(): Promise<void>;
}

export const NO_MARKS: MarkState = { chainExists: false, jumpPresent: false, owned: [], foreign: [], unparsed: [], foreignUnparsed: [] };
