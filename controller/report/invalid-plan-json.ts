// The one --json document of a command whose plan is refused, the same for rollout, health,
// status and connections: `{command, plan, problems, exitCode}` on stdout (a refused plan says
// nothing on stderr; a usage or option error says its message there too).
import type { PlanProblem } from '../plan/errors';

/** The document and its newline; on one line with `kind: "invalid-plan"` for a watch, whose every object is a line. */
export function invalidPlanJson(command: string, planPath: string, problems: readonly PlanProblem[], exitCode: number, watch = false): string {
  const document = { command, plan: planPath, problems, exitCode };
  return `${watch ? JSON.stringify({ kind: 'invalid-plan', ...document }) : JSON.stringify(document, null, 2)}\n`;
}
