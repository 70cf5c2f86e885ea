// A problem found in a plan: where (a JSON pointer), what, and how to fix it.
export interface PlanProblem {
  /** RFC 6901 JSON pointer into plan.json, e.g. "/services/2/realservers/0/host"; "" for the whole document */
  pointer: string;
  message: string;
  hint?: string;
}

/** "/services/2/name" from ["services", 2, "name"]. */
export function toPointer(path: ReadonlyArray<string | number>): string {
  return path.map((p) => '/' + String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/** One line per problem: `PLAN: /json/pointer: message (hint)`. */
export function formatProblem(planPath: string, p: PlanProblem): string {
  return `${planPath}: ${p.pointer || '/'}: ${p.message}${p.hint ? ` (${p.hint})` : ''}`;
}
