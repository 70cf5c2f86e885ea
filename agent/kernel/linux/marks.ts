// Mark rules through iptables: one iptables-save to read, one iptables-restore --noflush to
// swap the owned chain atomically. The backend (legacy or nf_tables) is chosen once: by flag,
// or from what `iptables --version` says the system's iptables is. One object per address
// family: IPv4 rules go through iptables-*, IPv6 ones through ip6tables-* of the same backend
// (Debian and RHEL switch both together).
import { errorMessage } from '../../../lvs/errors';
import { ExecError, type Exec } from '../exec';
import type { Marks } from '../marks';
import type { MarkState } from '../../../lvs/mark-state';
import type { MarkRule } from '../../../lvs/model';
import { MARK_CHAIN, markRuleSpec, type IpFamily, parseMangleSave, renderMarkChainRemoval, renderMarkChainReplay, renderMarkChainRestore } from '../../../lvs/formats/iptables-format';

export type IptablesChoice = 'auto' | 'legacy' | 'nft';

export interface IptablesBackend {
  name: 'legacy' | 'nft';
  save: string;
  restore: string;
}

export const IPTABLES_BACKENDS: Readonly<Record<IptablesBackend['name'], IptablesBackend>> = {
  legacy: { name: 'legacy', save: 'iptables-legacy-save', restore: 'iptables-legacy-restore' },
  nft: { name: 'nft', save: 'iptables-nft-save', restore: 'iptables-nft-restore' },
};

/** The same backends' IPv6 tools, for the inet6 mangle table. */
export const IP6TABLES_BACKENDS: Readonly<Record<IptablesBackend['name'], IptablesBackend>> = {
  legacy: { name: 'legacy', save: 'ip6tables-legacy-save', restore: 'ip6tables-legacy-restore' },
  nft: { name: 'nft', save: 'ip6tables-nft-save', restore: 'ip6tables-nft-restore' },
};

/** A mark operation's timeout: a restore waits up to RESTORE_LOCK_WAIT_S for the xtables lock. */
const TIMEOUT_MS = 60_000;
const RESTORE_LOCK_WAIT_S = '10';

/** The backend named by --iptables, or the one `iptables --version` reports for auto. */
export async function resolveIptablesBackend(exec: Exec, choice: IptablesChoice): Promise<IptablesBackend> {
  if (choice !== 'auto') return IPTABLES_BACKENDS[choice];
  let text: string;
  try {
    const { stdout, stderr } = await exec('iptables', ['--version'], { timeoutMs: TIMEOUT_MS });
    text = `${stdout}${stderr}`.trim();
  } catch (error) {
    // The nf_tables iptables fails even --version on a kernel without nf_tables ("Failed to
    // initialize nft", seen in the lab): that still tells the backend, which then proves unusable.
    if (error instanceof ExecError && error.reason === 'exit' && /\bnft\b|nf_tables/.test(error.stderr)) return IPTABLES_BACKENDS.nft;
    throw error;
  }
  if (text.includes('(legacy)')) return IPTABLES_BACKENDS.legacy;
  if (text.includes('(nf_tables)')) return IPTABLES_BACKENDS.nft;
  throw new Error(
    `cannot tell the iptables backend from "iptables --version" (it printed "${text}"): ` +
      `start the agent with --iptables legacy or --iptables nft`,
  );
}

/** After a write the jumps' places are not known without a read (a rollback reads PREROUTING afresh). */
function placesUnknown(state: MarkState): MarkState {
  const { jumpPositions: _positions, preroutingRules: _rules, ...rest } = state;
  return rest;
}

export class LinuxMarks implements Marks {
  private backend: Promise<IptablesBackend> | undefined;
  /** the jump's presence as last read: the restore text differs with it, and reading again would cost a process */
  private lastRead: MarkState | undefined;

  constructor(private readonly exec: Exec, private readonly choice: IptablesChoice, private readonly family: IpFamily = 'inet') {}

  /** The backend in use (its tools for this object's family), detected at first need and kept. */
  resolveBackend(): Promise<IptablesBackend> {
    const tools = this.family === 'inet6' ? IP6TABLES_BACKENDS : IPTABLES_BACKENDS;
    this.backend ??= resolveIptablesBackend(this.exec, this.choice).then((b) => tools[b.name]).catch((error: unknown) => {
      this.backend = undefined; // a later call may succeed (e.g. iptables installed meanwhile)
      throw error;
    });
    return this.backend;
  }

  async read(): Promise<MarkState> {
    const backend = await this.resolveBackend();
    const { stdout } = await this.exec(backend.save, ['-t', 'mangle'], { timeoutMs: TIMEOUT_MS });
    this.lastRead = parseMangleSave(stdout);
    return structuredClone(this.lastRead);
  }

  async replaceOwnedChain(rules: MarkRule[]): Promise<void> {
    const backend = await this.resolveBackend();
    const current = this.lastRead ?? (await this.read());
    const text = renderMarkChainRestore(rules, { jumpPresent: current.jumpPresent, jumpCount: current.jumpCount, family: this.family });
    await this.restore(backend, text);
    // markRuleSpec writes the words iptables-save prints, so this is what a read would give.
    const chain = rules.map((r) => `-A ${MARK_CHAIN} ${markRuleSpec(r)}`);
    this.lastRead = { ...placesUnknown(current), chainExists: true, jumpPresent: true, jumpCount: 1, chain, owned: structuredClone(rules), unparsed: [] };
  }

  async removeOwnedChain(): Promise<void> {
    const backend = await this.resolveBackend();
    const current = this.lastRead ?? (await this.read());
    if (!current.chainExists && current.jumpCount === 0) return;
    await this.restore(backend, renderMarkChainRemoval({ jumpPresent: current.jumpPresent, jumpCount: current.jumpCount }));
    this.lastRead = { ...placesUnknown(current), chainExists: false, jumpPresent: false, jumpCount: 0, chain: [], owned: [], unparsed: [] };
  }

  async restoreChain(snapshot: MarkState): Promise<void> {
    const backend = await this.resolveBackend();
    try {
      await this.replayFromNow(backend, snapshot);
    } catch (first) {
      // PREROUTING changed between the read and the restore (a rule deleted meanwhile puts a
      // jump's saved place past its end, which iptables-restore refuses): once more, from a
      // fresh read; a second refusal fails the rollback, naming both
      await this.replayFromNow(backend, snapshot).catch((second: unknown) => {
        throw new Error(`${errorMessage(second)} (and, before a fresh read of PREROUTING: ${errorMessage(first)})`);
      });
    }
  }

  /** A rollback starts from what is there now, not from what this object last wrote. */
  private async replayFromNow(backend: IptablesBackend, snapshot: MarkState): Promise<void> {
    const current = await this.read();
    await this.restore(backend, renderMarkChainReplay(snapshot, current));
    this.lastRead = undefined;
  }

  private async restore(backend: IptablesBackend, text: string): Promise<void> {
    try {
      await this.exec(backend.restore, ['--noflush', '-w', RESTORE_LOCK_WAIT_S], { input: text, timeoutMs: TIMEOUT_MS });
    } catch (error) {
      // What the table holds after a failed restore is unknown to us: read it next time.
      this.lastRead = undefined;
      throw error;
    }
  }
}
