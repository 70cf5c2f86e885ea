// An exec health check runs on the directors, and a director agent runs only commands inside
// its --exec-checks directory (agent/health/checks/exec.ts): a command outside it fails every
// check, and the monitor then takes every realserver of the service down. Where the plan sets
// that directory (agent.director.execChecks, or a director's own agentOptions.execChecks, which
// lvsctl bootstrap writes), a command outside it is refused here; where it sets none, a
// warning says the agents need one. Compared as paths are written: a symlink that leads out is
// the agent's to refuse.
import { posix } from 'node:path';
import { CHECKS_DIRECTORY_EXAMPLE, tooBroadForChecks } from '../../../lvs/exec-check-directory';
import { toPointer, type PlanProblem } from '../errors';
import { directorShares } from './director-shares';
import type { PlanView } from './view';

export function execCheckProblems(view: PlanView): PlanProblem[] {
  const directors = [...view.hosts].filter(([, h]) => h.role === 'director').map(([name]) => name);
  if (directors.length === 0) return [];
  // each share's services as a set: a plan may hold 20,000 services, each with an exec check
  const shares = directorShares(view).map((share) => ({ directors: share.directors, services: new Set(share.serviceIndexes) }));
  const dirOf = (host: string): { dir: string; from: string } | undefined => {
    const own = view.hosts.get(host)?.agentOptions?.execChecks;
    if (own !== undefined) return { dir: own, from: `/hosts/${host}/agentOptions/execChecks` };
    const role = view.agent?.director?.execChecks;
    return role === undefined ? undefined : { dir: role, from: '/agent/director/execChecks' };
  };
  const problems: PlanProblem[] = [];
  view.services.forEach((s, i) => {
    const command = s?.healthCheck?.type === 'exec' ? s.healthCheck.exec?.command : undefined;
    if (!s || command === undefined) return;
    // the directors that run this service's checks: those sent it (in no group, or in its group), in the plan's order
    const sentIt = new Set(shares.filter((share) => share.services.has(i)).flatMap((share) => share.directors));
    const runners = directors.filter((d) => sentIt.has(d));
    const pointer = toPointer(['services', i, 'healthCheck', 'exec', 'command']);
    const without: string[] = [];
    for (const director of runners) {
      const allowed = dirOf(director);
      if (allowed === undefined) {
        without.push(director);
        continue;
      }
      const dir = posix.normalize(allowed.dir).replace(/\/+$/, '');
      if (posix.normalize(command).startsWith(`${dir}/`)) continue;
      problems.push({
        pointer,
        message: `${command} is not inside ${allowed.dir}, the --exec-checks directory of director "${director}" (${allowed.from}): its agent would refuse to run it, and every realserver of "${s.name}" would be taken down`,
        hint: tooBroadForChecks(posix.dirname(command))
          ? `put the command in ${allowed.dir}, a directory of check scripts only`
          : `put the command in ${allowed.dir}, or set execChecks to the directory it is in if that holds check scripts only`,
      });
      // one director says it: the others have the same directory, or say it for theirs
      return;
    }
    if (without.length > 0) {
      problems.push({
        pointer,
        severity: 'warning',
        message: `the plan gives director${without.length === 1 ? '' : 's'} ${without.map((d) => `"${d}"`).join(', ')} no --exec-checks directory: unless ${without.length === 1 ? 'its agent was' : 'their agents were'} started with one holding ${command}, every check fails and the realservers of "${s.name}" are taken down`,
        hint: tooBroadForChecks(posix.dirname(command))
          ? `put ${posix.basename(command)} (or a script that runs it) in a directory of check scripts only and name it there, e.g. ${CHECKS_DIRECTORY_EXAMPLE}/${posix.basename(command)}, and set "agent": { "director": { "execChecks": "${CHECKS_DIRECTORY_EXAMPLE}" } } (lvsctl bootstrap writes it); not ${posix.dirname(command)}, whose every program a plan could then run`
          : `set "agent": { "director": { "execChecks": "${posix.dirname(command)}" } } (lvsctl bootstrap writes it), a directory of check scripts only`,
      });
    }
  });
  return problems;
}
