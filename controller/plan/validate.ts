// validatePlan: the schema first, then every cross-field rule, reporting all problems.
// Pure: no I/O, no clock. Address resolution (which needs ssh config and DNS) is
// controller/inventory's, run by the CLI after this.
import { isWarning, type PlanProblem } from './errors';
import { PLAN_RULES } from './rules';
import { structureProblems } from './rules/structure';
import { viewOfPartialInput, viewOfPlan, type PlanView } from './rules/view';
import { planSchema, type Plan } from './schema';

/**
 * `problems` holds what refuses the plan; `warnings` what the operator should know but
 * does not refuse it (severity "warning"), in both outcomes.
 */
export type ValidationResult =
  | { ok: true; plan: Plan; problems: []; warnings: PlanProblem[] }
  | { ok: false; problems: PlanProblem[]; warnings: PlanProblem[] };

function runRules(view: PlanView): PlanProblem[] {
  return PLAN_RULES.flatMap((rule) => rule(view));
}

export function validatePlan(input: unknown): ValidationResult {
  const parsed = planSchema.safeParse(input);
  const found = parsed.success
    ? runRules(viewOfPlan(parsed.data))
    : [...structureProblems(parsed.error.issues, input), ...runRules(viewOfPartialInput(input))];
  const problems = found.filter((p) => !isWarning(p));
  const warnings = found.filter(isWarning);
  if (parsed.success && problems.length === 0) return { ok: true, plan: parsed.data, problems: [], warnings };
  return { ok: false, problems, warnings };
}
