// What loading a plan file answers (controller/plan/load.ts): problems refuse the plan,
// warnings do not.
import type { PlanProblem } from './errors';
import type { Plan } from './schema';

export type PlanLoadResult =
  | { ok: true; plan: Plan; problems: PlanProblem[]; warnings?: PlanProblem[] }
  | { ok: false; problems: PlanProblem[]; warnings?: PlanProblem[] };
