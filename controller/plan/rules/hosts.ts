// Rule 8: every realservers[].host names a host of role "realserver", a service lists a
// realserver (at one port) once, and the plan has at least one director.
import { toPointer, type PlanProblem } from '../errors';
import { didYouMean } from './closest-name';
import type { PlanView } from './view';

function realserverNames(view: PlanView): string[] {
  return [...view.hosts].filter(([, h]) => h.role === 'realserver').map(([name]) => name);
}

export function hostProblems(view: PlanView): PlanProblem[] {
  const problems: PlanProblem[] = [];
  let realservers: string[] | undefined; // computed once, only when a suggestion is needed
  view.services.forEach((s, i) => {
    if (!s) return;
    const seen = new Map<string, number>();
    s.realservers.forEach((rs, k) => {
      if (!view.hostNames.has(rs.host)) {
        realservers ??= realserverNames(view);
        problems.push({
          pointer: realserverPointer(i, k),
          message: `no host "${rs.host}" in "hosts"`,
          hint: didYouMean(rs.host, realservers) ?? `add "${rs.host}": { "role": "realserver", "address": "…" } to "hosts"`,
        });
      } else {
        const host = view.hosts.get(rs.host);
        if (host && host.role !== 'realserver') {
          problems.push({
            pointer: realserverPointer(i, k),
            message: `host "${rs.host}" has role "${host.role}", not "realserver"`,
            hint: `list realservers here, or set "role": "realserver" at /hosts/${rs.host}`,
          });
        }
      }
      const key = `${rs.host} ${rs.port ?? ''}`;
      const first = seen.get(key);
      if (first === undefined) seen.set(key, k);
      else {
        problems.push({
          pointer: realserverPointer(i, k),
          message: `realserver "${rs.host}" is already listed at /services/${i}/realservers/${first}`,
          hint: 'list each realserver once per service: IPVS holds one destination per address and port',
        });
      }
    });
  });
  if (view.complete.hosts && ![...view.hosts.values()].some((h) => h.role === 'director')) {
    problems.push({
      pointer: '/hosts',
      message: 'no host has role "director": nothing would hold the VIPs and balance',
      hint: 'add e.g. "lvs1": { "role": "director", "address": "10.0.0.1" }',
    });
  }
  return problems;
}

/** Made for a problem only: a 2,000-service plan has 20,000 realservers and few problems. */
function realserverPointer(service: number, realserver: number): string {
  return toPointer(['services', service, 'realservers', realserver, 'host']);
}
