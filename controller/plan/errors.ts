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
