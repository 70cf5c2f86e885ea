// Rule 8: every realservers[].host names a host of role "realserver", a service lists each
// IPVS destination (address and port) once, and the plan has at least one director.
import { canonicalAddress } from '../../../lvs/address';
import { formatAddressPort } from '../../../lvs/model';
import { toPointer, type PlanProblem } from '../errors';
import { didYouMean } from './closest-name';
import type { PlanView } from './view';

function realserverNames(view: PlanView): string[] {
  return [...view.hosts].filter(([, h]) => h.role === 'realserver').map(([name]) => name);
}

export function hostProblems(view: PlanView): PlanProblem[] {
  const problems: PlanProblem[] = [];
  let realservers: string[] | undefined; // computed once, only when a suggestion is needed
  // each host's address in one spelling, made once per host (a plan has 20,000 realservers)
  const addresses = new Map<string, string | undefined>();
  const addressOf = (host: string): string | undefined => {
    if (!addresses.has(host)) {
      const address = view.hosts.get(host)?.address;
      addresses.set(host, address === undefined ? undefined : canonicalAddress(address));
    }
    return addresses.get(host);
  };
  view.services.forEach((s, i) => {
    if (!s) return;
    // the port each destination gets, as compile.ts gives it: its own, else the service's (none for a fwmark service)
    const servicePort = s.fwmark !== undefined ? 0 : (s.port ?? 0);
    const seen = new Map<string, { index: number; host: string }>();
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
      // one IPVS destination per address and port: two hosts with one address are one destination
      // too (a host without an address, resolved at rollout, is known here by its name)
      const port = rs.port || servicePort;
      const address = addressOf(rs.host);
      const key = address === undefined ? `host ${rs.host} ${port}` : `${address} ${port}`;
      const first = seen.get(key);
      if (first === undefined) seen.set(key, { index: k, host: rs.host });
      else if (first.host === rs.host) {
        problems.push({
          pointer: realserverPointer(i, k),
          message: `realserver "${rs.host}" is already listed at /services/${i}/realservers/${first.index}${port ? ` (port ${port})` : ''}`,
          hint: 'list each realserver once per service: IPVS holds one destination per address and port',
        });
      } else {
        problems.push({
          pointer: realserverPointer(i, k),
          message: `realserver "${rs.host}" is the destination ${formatAddressPort(address ?? rs.host, port)} that "${first.host}" at /services/${i}/realservers/${first.index} is already: the two hosts have one address`,
          hint: `list that address once in this service, or give "${rs.host}" its own address at /hosts/${rs.host}`,
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
