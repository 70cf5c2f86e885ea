// The changes a director makes to the kernel's IPVS table: the output of the pure diff
// (reconcile.ts) and the input of the batch renderer (lvs/formats/ipvsadm-format.ts).
import type { Destination, ServiceKey, VirtualService } from './model';

export type IpvsOperation =
  | { op: 'add-service'; service: VirtualService }
  /** ipvsadm -E: scheduler, flags or persistence change in place, so connections and templates survive */
  | { op: 'edit-service'; service: VirtualService; before: VirtualService }
  | { op: 'delete-service'; service: VirtualService }
  | { op: 'add-destination'; key: ServiceKey; destination: Destination }
  /** ipvsadm -e: weight (or forwarding method) in place */
  | { op: 'edit-destination'; key: ServiceKey; destination: Destination; before: Destination }
  | { op: 'delete-destination'; key: ServiceKey; destination: Destination };
