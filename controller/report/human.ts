// The rollout as an operator reads it, Ansible-like: a header per phase, one line per
// step per host as it streams (`lvs1  changed  add-service tcp 10.0.0.100:80`), failures
// with the command that fixes them, --diff blocks, and a recap per host at the end.
import { describeGroupMismatch, FIX_GROUP_MISMATCH } from '../rollout/director-groups';
import type { ApplyEvent, ApplyMode } from '../../lvs/apply-events';
import type { RolloutEvent, RolloutPhase, RolloutSummary } from '../rollout/events';
import { makePaint, type Paint } from './color';
import { diffLines } from './diff-lines';
import { maxOf } from '../../lvs/append';
import { showControlCharacters } from '../../lvs/control-characters';

export interface HumanReportOptions {
  /** receives whole lines, each ending in "\n" */
  write: (text: string) => void;
  color: boolean;
  /** show the agents' before/after blocks */
  diff: boolean;
  /** every host name of the rollout, to align the columns */
  hosts: readonly string[];
}

export interface RolloutHeading {
  planPath: string;
  cluster: string;
  mode: ApplyMode;
}

const RULE_WIDTH = 72;

const PHASE_TITLE: Record<RolloutPhase, (mode: ApplyMode) => string> = {
  connect: () => 'connect: hello to every agent',
  realservers: (mode) => (mode === 'check' ? 'realservers: verify (check mode)' : 'realservers: verify and prepare'),
  directors: (mode) => (mode === 'check' ? 'directors: what would change (check mode)' : 'directors: apply'),
};

export class HumanReport {
  private readonly paint: Paint;
  private readonly width: number;
  private mode: ApplyMode = 'apply';
  /** hosts whose agent already reported a result line: their host-done adds nothing */
  private readonly resultShown = new Set<string>();

  constructor(private readonly options: HumanReportOptions) {
    this.paint = makePaint(options.color);
    this.width = maxOf(options.hosts.map((h) => h.length), 0);
  }

  heading(h: RolloutHeading): void {
    this.mode = h.mode;
    const what = h.mode === 'check' ? 'check (nothing is changed)' : 'apply';
    this.banner(`ROLLOUT [${h.cluster}] ${what}, plan ${h.planPath}`);
  }

  onEvent(event: RolloutEvent): void {
    switch (event.kind) {
      case 'phase':
        this.line('');
        this.banner(`PHASE [${PHASE_TITLE[event.phase](this.mode)}]`);
        if (event.hosts.length === 0) this.line('(no host left for this phase)');
        return;
      case 'hello':
        this.hostLine(event.host, this.paint.status('connected', 'connected'),
          `${event.identity.role} agent ${event.identity.version} at ${event.endpoint}`);
        return;
      case 'agent':
        this.agentEvent(event.host, event.event);
        return;
      case 'notice':
        this.hostLine(event.host ?? 'lvsctl', this.paint.status('notice', 'notice'), event.message);
        return;
      case 'host-done':
        if (event.status === 'ok' || event.status === 'changed') return;
        if (event.status === 'failed' && this.resultShown.has(event.host)) return;
        this.hostLine(event.host, this.paint.status(event.status, event.status), event.reason ?? '');
        if (event.fix) this.fixLine(event.fix);
        return;
    }
  }

  recap(summary: RolloutSummary): void {
    this.line('');
    this.banner('RECAP');
    for (const h of summary.hosts) {
      const counters = `ok=${h.ok} changed=${h.changed} failed=${h.failed} unreachable=${h.unreachable} skipped=${h.skipped}`;
      const readOnly = h.mode === 'check' && summary.mode === 'apply' ? '  (checked only: outside --limit)' : '';
      this.line(`${this.paint.status(h.status, h.host.padEnd(this.width))} : ${counters}${readOnly}`);
    }
    for (const g of summary.groups ?? []) {
      if (g.tablesMatch) continue;
      this.line(`${this.paint.status('failed', 'tables differ')}: ${describeGroupMismatch(g)}`);
      this.fixLine(FIX_GROUP_MISMATCH);
    }
    if (summary.stoppedBeforeDirectors) {
      this.line('');
      this.line(`${this.paint.status('failed', 'stopped before the directors')}: ${summary.stoppedBeforeDirectors}`);
    }
    if (summary.mode === 'check') this.line('check mode: nothing was changed');
  }

  private agentEvent(host: string, e: ApplyEvent): void {
    switch (e.kind) {
      case 'step': {
        const detail = `${e.action} ${e.target}`;
        const why = (e.status === 'failed' || e.status === 'skipped') && e.message ? `: ${e.message}` : '';
        this.hostLine(host, this.paint.status(e.status, e.status), detail + why);
        if (e.fix) this.fixLine(e.fix);
        return;
      }
      case 'notice':
        this.hostLine(host, this.paint.status('notice', 'notice'), e.message);
        return;
      case 'diff':
        if (this.options.diff) this.diffBlock(host, e.subject, e.before, e.after);
        return;
      case 'result':
        this.resultShown.add(host);
        this.hostLine(host, this.paint.status(e.outcome, e.outcome), `done: ${e.message}`);
        if (e.rollback) this.hostLine(host, this.paint.status('notice', 'rollback'), e.rollback);
        return;
    }
  }

  private diffBlock(host: string, subject: string, before: string, after: string): void {
    const d = diffLines(before, after);
    this.hostLine(host, this.paint.status('diff', 'diff'), subject);
    const indent = ' '.repeat(this.width + 2);
    this.line(`${indent}--- before`);
    this.line(`${indent}+++ after`);
    for (const l of d.removed) this.line(indent + this.paint.removed(`- ${showControlCharacters(l)}`));
    for (const l of d.added) this.line(indent + this.paint.added(`+ ${showControlCharacters(l)}`));
    if (d.removed.length === 0 && d.added.length === 0) this.line(`${indent}  (no change)`);
    if (d.unchanged > 0) this.line(`${indent}  (${d.unchanged} line${d.unchanged === 1 ? '' : 's'} unchanged)`);
  }

  /** text may hold an agent's words: its control characters (a terminal escape) are shown as "?" */
  private hostLine(host: string, status: string, text: string): void {
    this.line(`${host.padEnd(this.width)}  ${status}  ${showControlCharacters(text)}`.trimEnd());
  }

  private fixLine(fix: string): void {
    this.line(`${' '.repeat(this.width)}  fix: ${showControlCharacters(fix)}`);
  }

  private banner(title: string): void {
    const text = `${title} `;
    this.line(this.paint.bold(text + '*'.repeat(Math.max(3, RULE_WIDTH - text.length))));
  }

  private line(text: string): void {
    this.options.write(`${text}\n`);
  }
}
