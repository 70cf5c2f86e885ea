// Rule 10 (schedulers): a scheduler flag only where its scheduler takes it (ipvsadm -b).
import { FLAGS_OF_SCHEDULER, SCHEDULERS, type Scheduler } from '../../../lvs/model';
import { toPointer, type PlanProblem } from '../errors';
import type { PlanView } from './view';

function schedulersTaking(flag: string): Scheduler[] {
  return SCHEDULERS.filter((s) => (FLAGS_OF_SCHEDULER[s] ?? []).some((f) => f === flag));
}

export function schedulerProblems(view: PlanView): PlanProblem[] {
  const problems: PlanProblem[] = [];
  view.services.forEach((s, i) => {
    if (!s?.schedulerFlags) return;
    const accepted = FLAGS_OF_SCHEDULER[s.scheduler] ?? [];
    const seen = new Set<string>();
    s.schedulerFlags.forEach((flag, k) => {
      const pointer = toPointer(['services', i, 'schedulerFlags', k]);
      if (seen.has(flag)) {
        problems.push({ pointer, message: `flag "${flag}" is given twice`, hint: 'list each flag once' });
      }
      seen.add(flag);
      if (!accepted.includes(flag)) {
        const takers = schedulersTaking(flag);
        problems.push({
          pointer,
          message: `scheduler "${s.scheduler}" takes no flag "${flag}"${accepted.length ? ` (it takes ${accepted.join(', ')})` : ''}`,
          hint: `"${flag}" is for the ${takers.join('/')} scheduler: set "scheduler": "${takers[0]}" or remove the flag`,
        });
      }
    });
  });
  return problems;
}
