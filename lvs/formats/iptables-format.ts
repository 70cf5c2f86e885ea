// The director's mark rules as iptables text: the `iptables-restore --noflush` input that
// swaps the owned chain LVSCTL-MARK in one transaction, and `iptables-save -t mangle` read
// back. The rule words are exactly what iptables-save prints (checked against iptables
// 1.8.9, legacy and nf_tables, see docs/render-and-import.md), so what the agent writes
// reads back equal.
import { isIpv6, type MarkRule } from '../model';
import { readRule, splitWords } from './iptables-rule';
import { TextFormatError } from './text-format-error';
import type { MarkState } from '../mark-state';
import { appendAll } from '../append';

export const MARK_CHAIN = 'LVSCTL-MARK';
export const MARK_PARENT_CHAIN = 'PREROUTING';
/** xt_multiport takes 15 ports, a range counting as two. */
export const MULTIPORT_SLOTS = 15;

export type IpFamily = 'inet' | 'inet6';

export interface MarkChainOptions {
  /** PREROUTING already jumps to the owned chain (from parseMangleSave) */
  jumpPresent: boolean;
  /** how many times it does (from parseMangleSave); default 1 when jumpPresent, else 0 */
  jumpCount?: number;
  /** which tool the text is for: iptables-restore (inet, default) or ip6tables-restore (inet6) */
  family?: IpFamily;
}

/** How many multiport slots the ports take: 1 each, 2 for a range. */
export function multiportSlots(ports: readonly string[]): number {
  return ports.reduce((n, p) => n + (p.includes(':') ? 2 : 1), 0);
}

/** The words of a mark rule after `-A CHAIN`, as iptables-save prints them. */
export function markRuleSpec(rule: MarkRule): string {
  const prefix = isIpv6(rule.destination) ? 128 : 32;
  const iface = rule.inInterface !== undefined ? ` -i ${rule.inInterface}` : '';
  const match =
    rule.ports.length === 1
      ? `-m ${rule.protocol} --dport ${rule.ports[0]}`
      : `-m multiport --dports ${rule.ports.join(',')}`;
  return `-d ${rule.destination}/${prefix}${iface} -p ${rule.protocol} ${match} -j MARK --set-xmark 0x${rule.mark.toString(16)}/0xffffffff`;
}

function checkRule(rule: MarkRule, family: IpFamily): void {
  const ruleFamily: IpFamily = isIpv6(rule.destination) ? 'inet6' : 'inet';
  if (ruleFamily !== family) {
    throw new Error(
      `mark rule for ${rule.destination} is ${ruleFamily === 'inet6' ? 'IPv6' : 'IPv4'}: ` +
        `render it with family "${ruleFamily}" for ${ruleFamily === 'inet6' ? 'ip6tables' : 'iptables'}-restore`,
    );
  }
  if (rule.ports.length === 0) throw new Error(`mark rule for ${rule.destination} mark ${rule.mark} has no ports`);
  if (rule.ports.length > 1 && multiportSlots(rule.ports) > MULTIPORT_SLOTS) {
    throw new Error(
      `mark rule for ${rule.destination} mark ${rule.mark} has ports ${rule.ports.join(',')}: ` +
        `multiport takes ${MULTIPORT_SLOTS} slots and a range takes two; split it into several rules`,
    );
  }
}

function jumpsNow(opts: { jumpPresent: boolean; jumpCount?: number }): number {
  return opts.jumpCount ?? (opts.jumpPresent ? 1 : 0);
}

/**
 * The lines that take PREROUTING from `have` jumps to the owned chain to `want`. `-D` by
 * rule deletes the first match, so of doubled jumps the last one stays.
 */
function jumpAdjustment(have: number, want: number): string[] {
  const jump = `${MARK_PARENT_CHAIN} -j ${MARK_CHAIN}`;
  if (have > want) return Array.from({ length: have - want }, () => `-D ${jump}`);
  return Array.from({ length: want - have }, () => `-A ${jump}`);
}

/**
 * `iptables-restore --noflush` input making LVSCTL-MARK exactly these rules: declaring the
 * chain flushes it (or creates it), and PREROUTING ends with exactly one jump to it: added
 * when missing, doubles deleted, so a re-run never stacks a second jump. One COMMIT: all or
 * nothing.
 */
export function renderMarkChainRestore(rules: MarkRule[], opts: MarkChainOptions): string {
  const family = opts.family ?? 'inet';
  rules.forEach((r) => checkRule(r, family));
  const lines = ['*mangle', `:${MARK_CHAIN} - [0:0]`];
  for (const rule of rules) lines.push(`-A ${MARK_CHAIN} ${markRuleSpec(rule)}`);
  appendAll(lines, jumpAdjustment(jumpsNow(opts), 1)).push('COMMIT');
  return lines.join('\n') + '\n';
}

/** `iptables-restore --noflush` input removing every jump and the owned chain, in one transaction. */
export function renderMarkChainRemoval(opts: { jumpPresent: boolean; jumpCount?: number }): string {
  const lines = ['*mangle', ...jumpAdjustment(jumpsNow(opts), 0)];
  // Declaring first makes the removal work whether the chain exists or not, and flushes it:
  // a chain must be empty to be deleted.
  lines.push(`:${MARK_CHAIN} - [0:0]`, `-X ${MARK_CHAIN}`, 'COMMIT');
  return lines.join('\n') + '\n';
}

/** What a rollback puts back: the owned chain's lines as read, and its number of jumps (and their places, where read). */
export interface SavedMarkChain {
  chainExists: boolean;
  /** "-A LVSCTL-MARK …" lines as iptables-save printed them */
  chain: readonly string[];
  jumpCount: number;
  jumpPositions?: readonly number[];
}

/** PREROUTING as it is when the rollback starts. */
export interface PreroutingNow {
  jumpCount: number;
  /** its rules, the jumps included (absent: unknown, a jump put back goes at the end) */
  preroutingRules?: number;
}

/**
 * `iptables-restore --noflush` input putting the owned chain back exactly as it was saved,
 * hand-written lines included (iptables-restore reads what iptables-save wrote), from
 * PREROUTING as it is now. Jumps an apply deleted (a plan without marks) go back at their
 * saved places (`-I PREROUTING N`), the rules around them as they were; a place past
 * PREROUTING's end now (rules deleted meanwhile) becomes the end.
 */
export function renderMarkChainReplay(saved: SavedMarkChain, now: PreroutingNow): string {
  if (!saved.chainExists) return renderMarkChainRemoval({ jumpPresent: now.jumpCount > 0, jumpCount: now.jumpCount });
  const foreignLine = saved.chain.find((line) => !line.startsWith(`-A ${MARK_CHAIN} `));
  if (foreignLine !== undefined) throw new Error(`not a line of ${MARK_CHAIN}, refusing to replay it: ${foreignLine}`);
  const lines = ['*mangle', `:${MARK_CHAIN} - [0:0]`, ...saved.chain, ...jumpsBack(saved, now), 'COMMIT'];
  return lines.join('\n') + '\n';
}

/** Every jump back at its place when none is left and the places and PREROUTING's length are known; else by count. */
function jumpsBack(saved: SavedMarkChain, now: PreroutingNow): string[] {
  const positions = saved.jumpPositions;
  if (now.jumpCount !== 0 || now.preroutingRules === undefined || positions === undefined || positions.length !== saved.jumpCount) {
    return jumpAdjustment(now.jumpCount, saved.jumpCount);
  }
  // ascending: each insert puts back the rules before the next place as they were
  let length = now.preroutingRules;
  return [...positions].sort((a, b) => a - b).map((position) => {
    const at = Math.min(position, length + 1);
    length++;
    return `-I ${MARK_PARENT_CHAIN} ${at} -j ${MARK_CHAIN}`;
  });
}

/** What `iptables-save -t mangle` says about mark rules: the director's MarkState. */
export type MangleState = MarkState;

/**
 * Reads `iptables-save -t mangle` output (legacy or nf_tables; a whole iptables-save is
 * fine too: other tables are skipped). Lines that are not iptables-save syntax throw a
 * TextFormatError naming the line; rules that are syntax but not mark rules lvsctl can
 * hold are sorted into unparsed/foreignUnparsed, never silently dropped.
 */
export function parseMangleSave(text: string): MangleState {
  const references: string[] = [];
  const jumpPositions: number[] = [];
  const state: MangleState = { chainExists: false, jumpPresent: false, jumpCount: 0, chain: [], owned: [], foreign: [], unparsed: [], foreignUnparsed: [], references, jumpPositions };
  let preroutingRules = 0;
  // Without any "*table" line the text is taken as mangle rules alone.
  let table: string | undefined = /^\*/m.test(text) ? undefined : 'mangle';
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    const fail = (reason: string): never => {
      throw new TextFormatError(index + 1, line, reason);
    };
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    if (trimmed.startsWith('*')) {
      table = trimmed.slice(1);
      if (!/^[a-z]+$/.test(table)) fail('a table name after "*" must be a word such as "mangle"');
      return;
    }
    if (trimmed === 'COMMIT') {
      table = undefined;
      return;
    }
    if (table === undefined) return fail('a rule outside a table: expected "*mangle" first');
    // iptables-save -c prefixes counters: [packets:bytes] -A ...
    const rule = trimmed.replace(/^\[\d+:\d+\]\s+/, '');
    const words = splitWords(rule);
    if (words === undefined) return fail('a quote that is not closed');
    const [verb, chain] = words;
    if (verb.startsWith(':')) {
      if (words.length < 2) fail('a chain line is ":NAME POLICY [packets:bytes]"');
      if (table === 'mangle' && verb.slice(1) === MARK_CHAIN) state.chainExists = true;
      return;
    }
    if (verb === '-N' && chain !== undefined) {
      if (table === 'mangle' && chain === MARK_CHAIN) state.chainExists = true;
      return;
    }
    if (verb !== '-A' || chain === undefined) {
      return fail('expected "-A CHAIN …", ":CHAIN POLICY", "*table", "COMMIT" or a # comment, as iptables-save prints');
    }
    if (table !== 'mangle') return;
    if (chain === MARK_PARENT_CHAIN) preroutingRules++;
    const reading = readRule(words.slice(2));
    if (chain === MARK_CHAIN) {
      state.chain.push(rule);
      if (reading.kind === 'mark') state.owned.push(reading.rule);
      else state.unparsed.push(trimmed);
      return;
    }
    if (reading.kind === 'jump' && reading.chain === MARK_CHAIN && chain === MARK_PARENT_CHAIN) {
      state.jumpPresent = true;
      state.jumpCount++;
      jumpPositions.push(preroutingRules);
    }
    else if (reading.kind === 'mark') state.foreign.push(reading.rule);
    else if (reading.kind === 'unreadable-mark') state.foreignUnparsed.push(trimmed);
    // Someone else's way into the owned chain (another chain, a condition): reported, not ours.
    else if ((reading.kind === 'jump' && reading.chain === MARK_CHAIN) || (reading.kind === 'other' && reading.target === MARK_CHAIN)) {
      state.foreignUnparsed.push(trimmed);
      references.push(rule);
    }
  });
  return { ...state, preroutingRules };
}
