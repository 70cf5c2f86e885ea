// Rule 8: every realservers[].host names a host of role "realserver", a service lists each
// IPVS destination (address and port) once, and the plan has at least one director.
import { MAX_REALSERVER_DUTIES } from '../../../lvs/host-plan';
import { formatAddressPort } from '../../../lvs/model';
import { toPointer, type PlanProblem } from '../errors';
import { canonicalAddresses, repeatedDestinations } from '../repeated-destinations';
import { didYouMean } from './closest-name';
import type { PlanView } from './view';
import { appendAll } from '../../../lvs/append';

function realserverNames(view: PlanView): string[] {
  return [...view.hosts].filter(([, h]) => h.role === 'realserver').map(([name]) => name);
}

export function hostProblems(view: PlanView): PlanProblem[] {
  const problems: PlanProblem[] = [];
  let realservers: string[] | undefined; // computed once, only when a suggestion is needed
  const addressOf = canonicalAddresses((host) => view.hosts.get(host)?.address);
  view.services.forEach((s, i) => {
    if (!s) return;
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
    });
    // one IPVS destination per address and port: two hosts with one address are one destination
    // too (a host without an address, resolved at rollout, is known here by its name)
    for (const r of repeatedDestinations(s, addressOf)) {
      problems.push(r.host === r.firstHost
        ? {
          pointer: realserverPointer(i, r.index),
          message: `realserver "${r.host}" is already listed at /services/${i}/realservers/${r.firstIndex}${r.port ? ` (port ${r.port})` : ''}`,
          hint: 'list each realserver once per service: IPVS holds one destination per address and port',
        }
        : {
          pointer: realserverPointer(i, r.index),
          message: `realserver "${r.host}" is the destination ${formatAddressPort(r.address ?? r.host, r.port)} that "${r.firstHost}" at /services/${i}/realservers/${r.firstIndex} is already: the two hosts have one address`,
          hint: `list that address once in this service, or give "${r.host}" its own address at /hosts/${r.host}`,
        });
    }
  });
  appendAll(problems, dutyCountProblems(view));
  // a realserver's fields on a director: compile would drop them without a word
  for (const [name, host] of view.hosts) {
    if (host.role !== 'director') continue;
    for (const field of ['ftp', 'prepare'] as const) {
      if (host[field] === undefined) continue;
      problems.push({
        pointer: toPointer(['hosts', name, field]),
        message: `"${field}" is a realserver's field, and "${name}" is a director`,
        hint: `move it to the realserver it is meant for, or remove it`,
      });
    }
  }
  if (view.complete.hosts && ![...view.hosts.values()].some((h) => h.role === 'director')) {
    problems.push({
      pointer: '/hosts',
      message: 'no host has role "director": nothing would hold the VIPs and balance',
      hint: 'add e.g. "lvs1": { "role": "director", "address": "10.0.0.1" }',
    });
  }
  return problems;
}

/** A realserver host in more services than its agent verifies: the rollout would fail on it. */
function dutyCountProblems(view: PlanView): PlanProblem[] {
  const services = new Map<string, number>();
  for (const s of view.services) {
    if (!s) continue;
    // a host listed twice in one service (at two ports) has one duty there
    const hosts = new Set<string>();
    for (const rs of s.realservers) hosts.add(rs.host);
    for (const host of hosts) services.set(host, (services.get(host) ?? 0) + 1);
  }
  const problems: PlanProblem[] = [];
  for (const [host, count] of services) {
    if (count <= MAX_REALSERVER_DUTIES || !view.hosts.has(host)) continue;
    problems.push({
      pointer: toPointer(['hosts', host]),
      message: `realserver "${host}" is in ${count} services; its agent verifies at most ${MAX_REALSERVER_DUTIES}`,
      hint: 'spread those services over more realserver hosts, or split the cluster into several plans',
    });
  }
  return problems;
}

/** Made for a problem only: a 2,000-service plan has 20,000 realservers and few problems. */
function realserverPointer(service: number, realserver: number): string {
  return toPointer(['services', service, 'realservers', realserver, 'host']);
}
