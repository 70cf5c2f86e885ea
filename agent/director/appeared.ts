// What someone else put in the kernel between the plan's read and the batch, told by the
// batch's own refusals: an add-service or add-destination refused as existing means the thing
// was there already, and a rollback must not delete what this apply never made.
//   netlink (IpvsBatchError) names each refused operation: exactly those services and
//   destinations are left alone, and the destinations the batch added to such a service all
//   the same are taken back.
//   ipvsadm -R (IpvsadmBatchError) prints the refusal without naming the operation: every
//   service the batch added is then a candidate, told apart by the rollback against the kernel
//   (rollback.ts): one whose settings or destinations are not what the batch wrote is someone
//   else's; once as many such are found as ipvsadm printed refusals, the rest are the apply's
//   own and deleted, else every candidate is left alone. Their destinations are taken back only
//   where no add-destination was refused as well, and every destination the batch added to a
//   service that was there before is left alone once some add-destination was refused. What
//   stays is reported; nothing is deleted on a guess.
import { constants } from 'node:os';
import { IpvsBatchError, operationTarget } from '../../lvs/formats/ipvs-netlink-errors';
import { IpvsadmBatchError } from '../../lvs/formats/ipvsadm-errors';
import { serviceKeyString, type Destination, type ServiceKey, type VirtualService } from '../../lvs/model';
import type { IpvsOperation } from '../../lvs/operations';

/** A service the batch meant to add and found in the kernel already: someone else's, made after the plan's read. */
export interface AppearedService {
  key: ServiceKey;
  /** the destinations the batch added to it all the same (its add-destination operations that took effect) */
  added: Destination[];
  /** ipvsadm only (a candidate): what the batch's add-service and add-destinations wrote, to tell the apply's own from someone else's */
  written?: { service: VirtualService; destinations: Destination[] };
}

/** A destination the batch meant to add to a service that was there, and found there already. */
export interface AppearedDestination {
  key: ServiceKey;
  destination: Destination;
}

export interface Appeared {
  services: AppearedService[];
  destinations: AppearedDestination[];
  /** the backend did not say which operation it refused (ipvsadm): these are what may have appeared, not what did */
  unnamed: boolean;
  /** ipvsadm: how many add-service lines it refused as existing (how many of the candidates are someone else's) */
  servicesRefused?: number;
  /** set once ipvsadm's candidates were told apart (rollback.ts): how many were the apply's own */
  ownFound?: number;
}

export const NOTHING_APPEARED: Appeared = { services: [], destinations: [], unnamed: false };

export function appearedMeanwhile(error: unknown, ops: readonly IpvsOperation[]): Appeared {
  if (error instanceof IpvsBatchError) return namedByNetlink(error, ops);
  if (error instanceof IpvsadmBatchError) return guessedFromIpvsadm(error, ops);
  return NOTHING_APPEARED;
}

function namedByNetlink(error: IpvsBatchError, ops: readonly IpvsOperation[]): Appeared {
  const keys = new Map<string, ServiceKey>();
  for (const r of error.refusals) {
    if (r.op.op === 'add-service' && r.errno === constants.errno.EEXIST) keys.set(serviceKeyString(r.op.service.key), r.op.service.key);
  }
  const destinations: AppearedDestination[] = [];
  for (const r of error.refusals) {
    // on a service that appeared, every destination there is theirs already
    if (r.op.op === 'add-destination' && r.errno === constants.errno.EEXIST && !keys.has(serviceKeyString(r.op.key))) {
      destinations.push({ key: r.op.key, destination: r.op.destination });
    }
  }
  if (keys.size === 0) return { services: [], destinations, unnamed: false };
  // refused operations by what they change ("tcp 10.0.0.100:81 -> 10.0.0.11:81"), as the error names them
  const refused = new Set(error.refusals.map((r) => operationTarget(r.op)));
  const added = addedDestinations(ops, keys, (op) => !refused.has(operationTarget(op)));
  return { services: [...keys].map(([name, key]) => ({ key, added: added.get(name) ?? [] })), destinations, unnamed: false };
}

function guessedFromIpvsadm(error: IpvsadmBatchError, ops: readonly IpvsOperation[]): Appeared {
  const serviceRefused = error.refusedExistingService();
  const destinationRefused = error.refusedExistingDestination();
  if (!serviceRefused && !destinationRefused) return NOTHING_APPEARED;
  const keys = new Map<string, ServiceKey>();
  const written = new Map<string, VirtualService>();
  if (serviceRefused) {
    for (const op of ops) {
      if (op.op !== 'add-service') continue;
      keys.set(serviceKeyString(op.service.key), op.service.key);
      written.set(serviceKeyString(op.service.key), op.service);
    }
  }
  const batchDestinations = addedDestinations(ops, keys, () => true);
  // which of them was refused is not known: take back the batch's destinations only if none was
  const added = destinationRefused ? new Map<string, Destination[]>() : batchDestinations;
  const destinations: AppearedDestination[] = [];
  if (destinationRefused) {
    for (const op of ops) {
      if (op.op === 'add-destination' && !keys.has(serviceKeyString(op.key))) destinations.push({ key: op.key, destination: op.destination });
    }
  }
  const services = [...keys].map(([name, key]): AppearedService => ({
    key, added: added.get(name) ?? [], written: { service: written.get(name) as VirtualService, destinations: batchDestinations.get(name) ?? [] },
  }));
  return { services, destinations, unnamed: true, servicesRefused: error.existingServiceRefusals() };
}

/** The batch's add-destination operations on the services `keys` names that `took` says took effect, by service. */
function addedDestinations(ops: readonly IpvsOperation[], keys: ReadonlyMap<string, ServiceKey>, took: (op: IpvsOperation) => boolean): Map<string, Destination[]> {
  const added = new Map<string, Destination[]>();
  for (const op of ops) {
    if (op.op !== 'add-destination') continue;
    const name = serviceKeyString(op.key);
    if (!keys.has(name) || !took(op)) continue;
    const list = added.get(name);
    if (list) list.push(op.destination);
    else added.set(name, [op.destination]);
  }
  return added;
}
