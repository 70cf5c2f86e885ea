// What lvsctl validate PLAN does (validate.ts declares the command): the whole plan
// checked (docs/plan-reference.md), host addresses resolved (plan, ssh config, DNS); one line per
// problem, exit 1 on any.
import { problemLines, type PlanProblem } from '../plan/errors';
import { loadPlanFile } from '../plan/load';
import type { Plan } from '../plan/schema';
import { resolveAddresses, type HostLookup } from '../inventory/resolve';
import { EXIT } from '../exit-codes';

export interface ValidateOptions {
  sshConfig?: string;
  json?: boolean;
}

export interface ValidateIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** injected by tests; DNS by default */
  lookup?: HostLookup;
  homeDir?: string;
}

function summary(plan: Plan): { hosts: number; directors: number; realservers: number; services: number; marks: number } {
  const roles = Object.values(plan.hosts).map((h) => h.role);
  return {
    hosts: roles.length,
    directors: roles.filter((r) => r === 'director').length,
    realservers: roles.filter((r) => r === 'realserver').length,
    services: plan.services.length,
    marks: plan.marks.length,
  };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Runs the command; returns the exit code. */
export async function runValidate(planPath: string, options: ValidateOptions, io: ValidateIo): Promise<number> {
  const loaded = await loadPlanFile(planPath);
  const warnings = [...loaded.warnings];
  let problems: PlanProblem[] = loaded.problems;
  let addresses: Record<string, string> | undefined;
  if (loaded.ok) {
    const resolution = await resolveAddresses(loaded.plan, {
      ...(options.sshConfig !== undefined ? { sshConfigPath: options.sshConfig } : {}),
      ...(io.lookup ? { lookup: io.lookup } : {}),
      ...(io.homeDir ? { homeDir: io.homeDir } : {}),
    });
    // the found addresses' own rules (family, sorry server) come with the resolution
    problems = resolution.problems;
    addresses = Object.fromEntries(resolution.addresses);
  }
  const ok = problems.length === 0;
  if (options.json) {
    const document = {
      plan: planPath,
      ok,
      problems,
      warnings,
      ...(loaded.ok ? { summary: summary(loaded.plan), addresses } : {}),
    };
    io.out(JSON.stringify(document, null, 2) + '\n');
  } else {
    for (const line of problemLines(planPath, [...problems, ...warnings])) io.err(line + '\n');
    // After a long list, one line says how long it was (the first lines may have scrolled away).
    if (!ok) io.err(`${planPath}: ${plural(problems.length, 'problem')}${warnings.length ? `, ${plural(warnings.length, 'warning')}` : ''}: the plan is refused\n`);
    if (ok && loaded.ok) {
      const s = summary(loaded.plan);
      io.out(
        `${planPath}: ok: ${plural(s.hosts, 'host')} (${plural(s.directors, 'director')}, ${plural(s.realservers, 'realserver')}), ` +
          `${plural(s.services, 'service')}, ${plural(s.marks, 'mark rule')}` +
          `${warnings.length ? `, ${plural(warnings.length, 'warning')}` : ''}\n`,
      );
    }
  }
  return ok ? EXIT.ok : EXIT.invalid;
}
