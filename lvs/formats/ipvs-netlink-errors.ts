// What the kernel's refusal of one IPVS netlink command means, in ipvsadm's words (libipvs
// ipvs_strerror: the same errno reads differently for a service and a destination), and
// the error a batch ends with: every refused operation named. Pure.
import { constants } from 'node:os';
import { getSystemErrorName } from 'node:util';
import { destinationKeyString, serviceKeyString } from '../model';
import type { IpvsOperation } from '../operations';

const E = constants.errno;

type Verb = IpvsOperation['op'];

/** libipvs's table: per command first, then the ones any command may get. */
const BY_VERB: Readonly<Record<Verb, Readonly<Record<number, string>>>> = {
  'add-service': { [E.EEXIST]: 'Service already exists', [E.ENOENT]: 'Scheduler or persistence engine not found' },
  'edit-service': { [E.ESRCH]: 'No such service', [E.ENOENT]: 'Scheduler or persistence engine not found' },
  'delete-service': { [E.ESRCH]: 'No such service' },
  'add-destination': { [E.ESRCH]: 'Service not defined', [E.EEXIST]: 'Destination already exists' },
  'edit-destination': { [E.ESRCH]: 'Service not defined', [E.ENOENT]: 'No such destination' },
  'delete-destination': { [E.ESRCH]: 'Service not defined', [E.ENOENT]: 'No such destination' },
};

const ANY: Readonly<Record<number, string>> = {
  [E.EPERM]: 'Permission denied (you must be root)',
  [E.EINVAL]: 'Invalid operation.  Possibly wrong module version, address not unicast, ...',
  [E.ENOPROTOOPT]: 'Protocol not available',
  [E.ENOMEM]: 'Memory allocation problem',
  [E.EOPNOTSUPP]: 'Operation not supported with IPv6',
  [E.EAFNOSUPPORT]: 'Operation not supported with specified address family',
  [E.EMSGSIZE]: 'Module is wrong version',
};

/** "Service already exists", or the errno's name for one libipvs does not word ("ERANGE (errno 34)"). */
export function ipvsErrnoText(verb: Verb, errno: number): string {
  const known = BY_VERB[verb][errno] ?? ANY[errno];
  if (known !== undefined) return known;
  let name: string;
  try {
    name = getSystemErrorName(-errno);
  } catch {
    name = 'error';
  }
  return `${name} (errno ${errno})`;
}

/** "tcp 10.0.0.100:80", "tcp 10.0.0.100:80 -> 10.0.0.11:80": what the operation changes. */
export function operationTarget(op: IpvsOperation): string {
  if ('service' in op) return serviceKeyString(op.service.key);
  return `${serviceKeyString(op.key)} -> ${destinationKeyString(op.destination)}`;
}

export interface IpvsRefusal {
  /** 0-based position in the batch */
  index: number;
  op: IpvsOperation;
  errno: number;
  /** "tcp 10.0.0.100:80: Service already exists" */
  message: string;
}

export function refusalOf(index: number, op: IpvsOperation, errno: number): IpvsRefusal {
  return { index, op, errno, message: `${operationTarget(op)}: ${ipvsErrnoText(op.op, errno)}` };
}

/**
 * A batch the kernel refused part of. The other operations took effect (the same contract as
 * ipvsadm -R): the caller reads back and undoes.
 */
export class IpvsBatchError extends Error {
  constructor(readonly refusals: readonly IpvsRefusal[], readonly total: number) {
    super(`IPVS refused ${refusals.length} of ${total} operation(s): ${refusals.map((r) => `${r.op.op} ${r.message}`).join('; ')}`);
    this.name = 'IpvsBatchError';
  }
}
