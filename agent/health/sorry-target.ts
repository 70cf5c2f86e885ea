// The monitor's view of one service's sorry server: never checked, at weight 0 in the plan,
// raised while every checked realserver is down. Its state in reports: `up` while it takes
// new connections, `down` while it stands by (so a watch shows `down → up` when it takes over).
import type { DirectorService } from '../../lvs/host-plan';
import { destinationKeyString, serviceKeyString, type Destination, type ServiceKey } from '../../lvs/model';
import type { HealthTransition, TargetReport } from '../../lvs/health/types';
import { SORRY_SERVER_HOST } from '../../lvs/health/report';

export interface SorryTarget {
  serviceId: string;
  name: string;
  key: ServiceKey;
  /** as planned: weight 0 */
  destination: Destination;
  /** the weight the monitor last set, or found */
  currentWeight: number;
  /** whether the monitor decided it takes new connections (set with the decision, before the kernel batch) */
  serving: boolean;
  reason: string;
}

/** The sorry server of a service that has one and a health check, else undefined (without checks it never serves). */
export function sorryTargetOf(service: DirectorService, previous: SorryTarget | undefined, kernelWeight: number | undefined): SorryTarget | undefined {
  const planned = service.sorryServer;
  if (!planned || !service.healthCheck) return undefined;
  const same = previous !== undefined && destinationKeyString(previous.destination) === destinationKeyString(planned);
  return {
    serviceId: serviceKeyString(service.service.key),
    name: service.name,
    key: service.service.key,
    destination: { ...planned },
    currentWeight: kernelWeight ?? planned.weight,
    // A rollout put it back at its plan weight; whether it serves is re-decided at once,
    // and the same decision again is no new event.
    serving: same ? previous.serving : false,
    reason: same ? previous.reason : standingBy(service.name),
  };
}

function standingBy(service: string): string {
  return `sorry server: stands by at weight 0 while a realserver of ${service} serves`;
}

/** Updates `t` to a new decision; returns the event to emit when it changed. */
export function decideSorry(t: SorryTarget, serving: boolean, at: Date, backHost: string | undefined): HealthTransition | undefined {
  if (serving === t.serving) return undefined;
  t.serving = serving;
  t.reason = serving
    ? `every realserver of ${t.name} is down: new connections go to the sorry server`
    : `${backHost ?? 'a realserver'} serves again: the sorry server takes no new connections`;
  const event: HealthTransition = {
    at, service: t.name, host: SORRY_SERVER_HOST, address: destinationKeyString(t.destination),
    from: serving ? 'down' : 'up', to: serving ? 'up' : 'down', reason: t.reason,
  };
  if (!serving) t.reason = standingBy(t.name);
  return event;
}

export function sorryReport(t: SorryTarget): TargetReport {
  return {
    service: t.name,
    serviceKey: t.key,
    host: SORRY_SERVER_HOST,
    address: destinationKeyString(t.destination),
    checked: false,
    state: t.serving ? 'up' : 'down',
    plannedWeight: t.destination.weight,
    currentWeight: t.currentWeight,
    keptLast: false,
    sorryServer: true,
    reason: t.reason,
    consecutiveFailures: 0,
    consecutiveSuccesses: 0,
  };
}
