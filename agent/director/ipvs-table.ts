// An IPVS table as plain data: apply one operation the way the kernel would (refusing what
// it refuses), put a table in a canonical order, and compare tables. Used to project the
// state after a batch (for --diff and the read-back check) and by the fake kernel.
import {
  destinationKeyString,
  destinationSettingsEqual,
  serviceKeyString,
  serviceSettingsEqual,
  type Destination,
  type IpvsService,
  type ServiceKey,
} from '../../lvs/model';
import type { IpvsOperation } from '../../lvs/operations';

/** What the kernel answers to an operation it refuses (ipvsadm's own wording). */
export class IpvsOperationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IpvsOperationError';
  }
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** Services sorted by key, destinations by address:port, flags sorted: the kernel's order does not matter. */
export function canonicalTable(services: readonly IpvsService[]): IpvsService[] {
  return services
    .map((s) => ({
      service: { ...clone(s.service), flags: [...s.service.flags].sort() },
      destinations: clone(s.destinations).sort((a, b) => compareStrings(destinationKeyString(a), destinationKeyString(b))),
    }))
    .sort((a, b) => compareStrings(serviceKeyString(a.service.key), serviceKeyString(b.service.key)));
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function findService(services: readonly IpvsService[], key: ServiceKey): IpvsService | undefined {
  const wanted = serviceKeyString(key);
  return services.find((s) => serviceKeyString(s.service.key) === wanted);
}

/** The table after one operation, or IpvsOperationError when the kernel would refuse it. */
export function applyIpvsOperation(services: readonly IpvsService[], op: IpvsOperation): IpvsService[] {
  const table = clone(services) as IpvsService[];
  const keyOf = 'service' in op ? op.service.key : op.key;
  const index = table.findIndex((s) => serviceKeyString(s.service.key) === serviceKeyString(keyOf));
  const name = serviceKeyString(keyOf);
  switch (op.op) {
    case 'add-service':
      if (index >= 0) throw new IpvsOperationError(`${name}: Service already exists`);
      table.push({ service: clone(op.service), destinations: [] });
      return table;
    case 'edit-service':
      if (index < 0) throw new IpvsOperationError(`${name}: No such service`);
      table[index] = { ...table[index], service: clone(op.service) };
      return table;
    case 'delete-service':
      if (index < 0) throw new IpvsOperationError(`${name}: No such service`);
      table.splice(index, 1);
      return table;
    default:
      if (index < 0) throw new IpvsOperationError(`${name}: Service not defined`);
      table[index] = { ...table[index], destinations: applyDestinationOperation(table[index].destinations, op, name) };
      return table;
  }
}

function applyDestinationOperation(
  destinations: Destination[],
  op: Extract<IpvsOperation, { key: ServiceKey }>,
  serviceName: string,
): Destination[] {
  const id = destinationKeyString(op.destination);
  const index = destinations.findIndex((d) => destinationKeyString(d) === id);
  const where = `${serviceName} -> ${id}`;
  const result = [...destinations];
  if (op.op === 'add-destination') {
    if (index >= 0) throw new IpvsOperationError(`${where}: Destination already exists`);
    result.push(clone(op.destination));
  } else if (op.op === 'edit-destination') {
    if (index < 0) throw new IpvsOperationError(`${where}: No such destination`);
    result[index] = clone(op.destination);
  } else {
    if (index < 0) throw new IpvsOperationError(`${where}: No such destination`);
    result.splice(index, 1);
  }
  return result;
}

/** The table after all operations in order; throws at the first one the kernel would refuse. */
export function applyIpvsOperations(services: readonly IpvsService[], ops: readonly IpvsOperation[]): IpvsService[] {
  return ops.reduce<IpvsService[]>((table, op) => applyIpvsOperation(table, op), clone(services) as IpvsService[]);
}

/** Whether two services hold the same settings and the same destinations (order aside). */
export function sameService(a: IpvsService, b: IpvsService): boolean {
  if (!serviceSettingsEqual(a.service, b.service)) return false;
  if (a.destinations.length !== b.destinations.length) return false;
  const byKey = new Map(b.destinations.map((d) => [destinationKeyString(d), d]));
  return a.destinations.every((d) => {
    const other = byKey.get(destinationKeyString(d));
    return other !== undefined && destinationSettingsEqual(d, other);
  });
}

/**
 * Where `actual` differs from `expected` for the given service keys, one line each
 * ("tcp 10.0.0.100:80: expected …, found …"); empty when they agree.
 */
export function tableDifferences(
  expected: readonly IpvsService[],
  actual: readonly IpvsService[],
  keys: readonly ServiceKey[],
): string[] {
  const problems: string[] = [];
  for (const key of keys) {
    const want = findService(expected, key);
    const got = findService(actual, key);
    const name = serviceKeyString(key);
    if (!want && got) problems.push(`${name}: expected absent, found present`);
    else if (want && !got) problems.push(`${name}: expected present, found absent`);
    else if (want && got && !sameService(want, got)) problems.push(`${name}: ${describeServiceDifference(want, got)}`);
  }
  return problems;
}

function describeServiceDifference(want: IpvsService, got: IpvsService): string {
  if (!serviceSettingsEqual(want.service, got.service)) {
    return `expected ${settingsText(want)}, found ${settingsText(got)}`;
  }
  const wantDests = want.destinations.map(destinationText).sort().join(', ');
  const gotDests = got.destinations.map(destinationText).sort().join(', ');
  return `expected destinations [${wantDests}], found [${gotDests}]`;
}

function settingsText(s: IpvsService): string {
  const p = s.service.persistence;
  const persistence = p ? ` -p ${p.timeout}${p.netmask ? ` -M ${p.netmask}` : ''}` : '';
  const flags = s.service.flags.length ? ` -b ${[...s.service.flags].sort().join(',')}` : '';
  return `-s ${s.service.scheduler}${flags}${persistence}`;
}

function destinationText(d: Destination): string {
  return `${destinationKeyString(d)} ${d.forwarding} w${d.weight}`;
}
