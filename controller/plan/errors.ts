// A problem found in a plan: where (a JSON pointer), what, and how to fix it.
export interface PlanProblem {
  /** RFC 6901 JSON pointer into plan.json, e.g. "/services/2/realservers/0/host"; "" for the whole document */
  pointer: string;
  message: string;
  hint?: string;
  /**
   * Absent means "error": the plan is refused. A "warning" is worth telling the operator
   * (e.g. NAT FTP on port 21 needs the kernel's ip_vs_ftp helper) but does not refuse the plan.
   */
  severity?: 'error' | 'warning';
}

/** "/services/2/name" from ["services", 2, "name"]. */
export function toPointer(path: ReadonlyArray<string | number | symbol>): string {
  return path.map((p) => '/' + String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

export function isWarning(p: PlanProblem): boolean {
  return p.severity === 'warning';
}

/** One line per problem: `PLAN: /json/pointer: message (hint)`; a warning says so after the pointer. */
export function formatProblem(planPath: string, p: PlanProblem): string {
  const level = isWarning(p) ? 'warning: ' : '';
  return `${planPath}: ${p.pointer || '/'}: ${level}${p.message}${p.hint ? ` (${p.hint})` : ''}`;
}

/**
 * The most problems printed one a line. A generated plan gone wrong can hold tens of thousands
 * (76,000 lines for one of 2.4 MB); the first ones say what is wrong.
 */
export const PROBLEMS_SHOWN = 100;

/** One line per problem, the first `max` of them, then one saying how many more and where they all are. */
export function problemLines(planPath: string, problems: readonly PlanProblem[], max = PROBLEMS_SHOWN): string[] {
  const lines = problems.slice(0, max).map((p) => formatProblem(planPath, p));
  if (problems.length > max) {
    lines.push(`${planPath}: … and ${problems.length - max} more (lvsctl validate --json lists them all)`);
  }
  return lines;
}
