// lvsctl health, for people: one table of every service × realserver across directors,
// each host's own checks, the recent events, and the hosts that did not answer.
import type { AgentHealthReport, HealthEventRecord } from '../../lvs/health/report';
import type { HostAnswer } from './host-answer';
import { ago, clockTime, textTable } from './text-table';
import { showControlCharacters } from '../../lvs/control-characters';

function weightText(planned: number, current: number, kernel: number | undefined): string {
  const shown = kernel ?? current;
  return shown === planned ? String(shown) : `${shown}/${planned}`;
}

export function renderHealthTable(answers: readonly HostAnswer<AgentHealthReport>[], now: Date, recentEvents = 20): string {
  const out: string[] = [];
  const reports = answers.flatMap((a) => (a.ok ? [a.value] : []));
  const directors = reports.filter((r) => r.role === 'director');
  const rows = directors.flatMap((r) => r.targets.map((t) => [
    r.host, t.service, t.host, t.address,
    t.checked ? `${t.state}${t.keptLast ? ' (kept)' : ''}` : 'no check',
    weightText(t.plannedWeight, t.currentWeight, t.kernel?.weight),
    t.kernel ? String(t.kernel.activeConnections) : '-',
    t.kernel ? String(t.kernel.inactiveConnections) : '-',
    t.checked ? `${ago(t.lastCheckAt, now)}${t.lastLatencyMs !== undefined && t.lastCheckAt ? ` (${Math.round(t.lastLatencyMs)} ms)` : ''}` : '-',
    t.reason,
  ]));
  if (rows.length > 0) {
    out.push(textTable(['DIRECTOR', 'SERVICE', 'REALSERVER', 'ADDRESS', 'STATE', 'WEIGHT', 'ACTIVE', 'INACTIVE', 'LAST CHECK', 'REASON'], rows.map(peerCells)));
  }
  // each host's own checks: a realserver's VIP and ARP settings, a director's reading of its table
  const checks = reports.flatMap((r) => r.selfChecks.map((c) => [
    r.host, c.action, c.target, c.status, `${c.message}${c.status === 'failed' && c.fix ? ` (fix: ${c.fix})` : ''}`,
  ]));
  if (checks.length > 0) {
    out.push(textTable(['HOST', 'CHECK', 'TARGET', 'STATUS', 'MESSAGE'], checks.map(peerCells)));
  }
  for (const r of reports) if (r.note) out.push(`${r.host}: ${showControlCharacters(r.note)}\n`);
  // a host that answered with nothing at all still gets its line: its silence is no check passed
  const silent = reports.filter((r) => r.targets.length === 0 && r.selfChecks.length === 0 && !r.note).map((r) => r.host);
  if (silent.length > 0) out.push(`${silent.join(', ')}: answered, with no checks to report (no plan applied to ${silent.length === 1 ? 'it' : 'them'} yet? run lvsctl rollout)\n`);
  const events = reports.flatMap((r) => r.events.map((e) => ({ host: r.host, e }))).sort((a, b) => a.e.at.getTime() - b.e.at.getTime()).slice(-recentEvents);
  if (events.length > 0) {
    out.push(`recent events:\n${events.map(({ host, e }) => `  ${eventLine(host, e)}`).join('\n')}\n`);
  }
  for (const a of answers) if (!a.ok) out.push(`${a.host}: ${a.kind}: ${a.reason}\n`);
  if (out.length === 0) out.push('no agent reported anything\n');
  return out.join('\n');
}

/** One line of a health event: "12:00:01 lvs1 shop web2 10.0.0.12:80 up → down: reason". */
export function eventLine(agent: string, e: HealthEventRecord): string {
  const who = [e.service, e.host, e.address].filter((x) => x !== undefined).join(' ');
  const change = e.kind === 'transition' ? `${e.from ?? '?'} → ${e.to ?? '?'}: ` : e.kind === 'self-check' ? '' : `${e.kind}: `;
  return showControlCharacters(`${clockTime(e.at)} ${agent}${who ? ` ${who}` : ''} ${change}${e.message}`);
}

/** An agent's words in a table cell: a control character (a terminal escape, a line break) shown as "?". */
function peerCells(row: string[]): string[] {
  return row.map(showControlCharacters);
}

/** A report as JSON: dates as RFC 3339 strings. */
export function healthReportJson(r: AgentHealthReport): unknown {
  return JSON.parse(JSON.stringify(r));
}
