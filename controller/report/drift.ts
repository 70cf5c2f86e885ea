// Drift: how a director's live IPVS table differs from what the plan says it should hold.
// Pure. A weight the health monitor set (a down realserver at 0, or kept by the all-down
// policy) is not drift: it is explained by health, and said so.
import type { DirectorService } from '../../lvs/host-plan';
import type { HealthRow } from '../../lvs/health/report';
import { SORRY_SERVER_HOST } from '../../lvs/health/report';
import { destinationKeyString, serviceKeyString, serviceSettingsEqual, type VirtualService } from '../../lvs/model';
import type { ServiceCounters } from '../../lvs/status';

export type DriftKind =
  | 'missing-service' | 'extra-service' | 'service-settings'
  | 'missing-destination' | 'extra-destination' | 'weight' | 'forwarding';

export interface DriftItem {
  director: string;
  /** the plan's service name, or the kernel's identity for a service the plan lacks */
  service: string;
  kind: DriftKind;
  message: string;
}

/** A weight that differs from the plan because health set it. */
export interface ExplainedWeight {
  director: string;
  service: string;
  address: string;
  message: string;
}

export interface DriftReport {
  drift: DriftItem[];
  explained: ExplainedWeight[];
}

function settingsText(s: VirtualService): string {
  const persistence = s.persistence ? ` persistent ${s.persistence.timeout}${s.persistence.netmask ? ` mask ${s.persistence.netmask}` : ''}` : '';
  return `${s.scheduler}${s.flags.length ? ` (${s.flags.join(',')})` : ''}${persistence}`;
}

/**
 * `health` is the same director's health rows when it could be asked (they explain weights);
 * without them a planned weight > 0 found at 0 is reported as drift, with a hint.
 */
export function findDrift(director: string, planned: readonly DirectorService[], kernel: readonly ServiceCounters[], health?: readonly HealthRow[]): DriftReport {
  const drift: DriftItem[] = [];
  const explained: ExplainedWeight[] = [];
  const inKernel = new Map(kernel.map((s) => [serviceKeyString(s.service.key), s]));
  const healthOf = new Map((health ?? []).map((r) => [`${serviceKeyString(r.serviceKey)} -> ${r.address}`, r]));
  const plannedIds = new Set<string>();
  for (const p of planned) {
    const id = serviceKeyString(p.service.key);
    plannedIds.add(id);
    const k = inKernel.get(id);
    const add = (kind: DriftKind, message: string): void => { drift.push({ director, service: p.name, kind, message }); };
    if (!k) {
      add('missing-service', `${p.name} (${id}) is not in the kernel: run lvsctl rollout`);
      continue;
    }
    if (!serviceSettingsEqual(p.service, k.service)) {
      add('service-settings', `${p.name} (${id}) is "${settingsText(k.service)}" in the kernel, "${settingsText(p.service)}" in the plan`);
    }
    const kDests = new Map(k.destinations.map((d) => [destinationKeyString(d.destination), d]));
    const pDests = new Set<string>();
    for (const rs of p.realservers) {
      const address = destinationKeyString(rs.destination);
      pDests.add(address);
      const kd = kDests.get(address);
      if (!kd) {
        add('missing-destination', `${p.name}: realserver ${rs.host} (${address}) is not in the kernel`);
        continue;
      }
      if (kd.destination.forwarding !== rs.destination.forwarding) {
        add('forwarding', `${p.name}: ${rs.host} (${address}) is forwarded by ${kd.destination.forwarding} in the kernel, ${rs.destination.forwarding} in the plan`);
      }
      const kw = kd.destination.weight;
      if (kw === rs.destination.weight) continue;
      const row = healthOf.get(`${id} -> ${address}`);
      if (row && row.checked && row.currentWeight === kw && (row.state === 'down' || row.keptLast)) {
        explained.push({ director, service: p.name, address, message: `${p.name}: ${rs.host} (${address}) at weight ${kw}, plan ${rs.destination.weight}: health ${row.state}${row.keptLast ? ', kept as the last one serving' : ', quiesced'} (${row.reason})` });
        continue;
      }
      add('weight', `${p.name}: ${rs.host} (${address}) has weight ${kw} in the kernel, ${rs.destination.weight} in the plan` +
        (kw === 0 && !health ? ' (quiesced? lvsctl health shows why)' : ''));
    }
    if (p.sorryServer) {
      // The sorry server is planned at weight 0; health raises it while every realserver is down.
      const address = destinationKeyString(p.sorryServer);
      pDests.add(address);
      const kd = kDests.get(address);
      const row = healthOf.get(`${id} -> ${address}`);
      if (!kd) add('missing-destination', `${p.name}: sorry server ${address} is not in the kernel`);
      else if (kd.destination.weight !== p.sorryServer.weight) {
        if (row && row.host === SORRY_SERVER_HOST && row.state === 'up' && row.currentWeight === kd.destination.weight) {
          explained.push({ director, service: p.name, address, message: `${p.name}: sorry server (${address}) at weight ${kd.destination.weight}, plan ${p.sorryServer.weight}: ${row.reason}` });
        } else {
          add('weight', `${p.name}: sorry server (${address}) has weight ${kd.destination.weight} in the kernel, ${p.sorryServer.weight} in the plan`);
        }
      }
    }
    for (const [address, kd] of kDests) {
      if (pDests.has(address)) continue;
      add('extra-destination', `${p.name}: ${address} is in the kernel but not in the plan` +
        (kd.destination.weight === 0 ? ` (weight 0: draining, ${kd.activeConnections} active connections left)` : ''));
    }
  }
  for (const k of kernel) {
    const id = serviceKeyString(k.service.key);
    if (plannedIds.has(id) || !k.managed) continue;
    drift.push({ director, service: id, kind: 'extra-service', message: `${id} is managed by lvsctl but no longer in the plan: run lvsctl rollout to remove it` });
  }
  return { drift, explained };
}
