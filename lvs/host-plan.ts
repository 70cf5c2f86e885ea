// What one agent is told to do: the controller compiles plan.json into one HostPlan per
// host (controller/plan/compile.ts); it travels as proto messages and is mapped back to
// these types at the agent's edge, where it is validated again.
import type { Destination, Forwarding, MarkRule, VirtualService } from './model';
import type { VrrpPlan } from './vrrp';
import type { HealthCheckExtras, HealthCheckType } from './health/check-options';

/**
 * What the health monitor does when every realserver of a service is down and the service
 * has no sorry server: "keep-last" keeps the last one serving (a service that answers badly
 * beats one that answers nothing); "quiesce" sets every one to weight 0, so the service
 * refuses new connections rather than send them to a dead host.
 */
export const ALL_DOWN_POLICIES = ['keep-last', 'quiesce'] as const;
export type AllDownPolicy = (typeof ALL_DOWN_POLICIES)[number];

export interface HealthCheckSpec extends HealthCheckExtras {
  type: HealthCheckType;
  /** port to check on the realserver; defaults to the destination port, or 80 for a port-0/fwmark service */
  port: number;
  /** http and https only */
  path: string;
  /** http and https only: the status that means healthy; 0 = any 2xx or 3xx (http.statuses, when set, wins) */
  expectStatus: number;
  intervalMs: number;
  /** the whole check, whatever its type */
  timeoutMs: number;
  fall: number;
  rise: number;
  /** absent = "keep-last"; irrelevant with a sorry server (every down realserver is quiesced then) */
  allDown?: AllDownPolicy;
}

export interface DirectorRealserver {
  /** the plan's host name, for messages */
  host: string;
  destination: Destination;
}

export interface DirectorService {
  /** the plan's service name */
  name: string;
  service: VirtualService;
  realservers: DirectorRealserver[];
  healthCheck?: HealthCheckSpec;
  /**
   * Takes new connections only while every checked realserver is down: in the desired
   * table at weight 0 (so the director creates and owns it like any planned destination),
   * raised to 1 by the health monitor. Forwarding is the service's. Only with a healthCheck.
   */
  sorryServer?: Destination;
}

/** Every destination the director's table must hold for a service: its realservers, then its sorry server. */
export function plannedDestinations(s: DirectorService): Destination[] {
  return [...s.realservers.map((r) => r.destination), ...(s.sorryServer ? [s.sorryServer] : [])];
}

export interface DirectorPlan {
  role: 'director';
  cluster: string;
  host: string;
  /** increases with every rollout; an agent refuses one older than what it applied */
  generation: number;
  services: DirectorService[];
  marks: MarkRule[];
  /** set when the director is in a director group: the keepalived VRRP it must run */
  vrrp?: VrrpPlan;
}

/**
 * The most services one realserver agent verifies (agent/realserver/validate.ts), and so the
 * most a plan may put one realserver host in (controller/plan/rules/hosts.ts).
 */
export const MAX_REALSERVER_DUTIES = 10_000;

/** One service a realserver is in, and what that asks of it. */
export interface RealserverDuty {
  service: string;
  forwarding: Forwarding;
  /** the addresses clients reach it by: a port service's vip, a fwmark service's mark destinations */
  vips: string[];
  /** for NAT: the gateways its default route may go through, one per director (its natGateway, else its agent address) */
  directors: string[];
  /** for an FTP service: the passive range its FTP server must stay inside, "N:M" */
  ftpPassivePorts?: string;
  /** the ports it must listen on for this service (its own check); absent or empty = none known */
  ports?: number[];
}

export interface RealserverPlan {
  role: 'realserver';
  cluster: string;
  host: string;
  generation: number;
  /** the address the directors send traffic to */
  address: string;
  /** set VIP/ARP itself instead of only verifying */
  prepare: boolean;
  duties: RealserverDuty[];
  ftp?: { server: 'vsftpd' | 'pure-ftpd'; config: string };
}

export type HostPlan = DirectorPlan | RealserverPlan;

/**
 * The same plan but for its generation (a rollout of an unchanged plan). A director's services
 * are compared by identity: lvs/wire/decoded-services.ts hands out the same object for
 * unchanged bytes, and an equal one that is another object counts as changed, which costs
 * the caller only work it would have done anyway.
 */
export function samePlanApartFromGeneration(a: HostPlan, b: HostPlan): boolean {
  if (a.role === 'director' && b.role === 'director') {
    if (a.services.length !== b.services.length || a.services.some((s, i) => s !== b.services[i])) return false;
    return JSON.stringify({ ...a, services: [], generation: 0 }) === JSON.stringify({ ...b, services: [], generation: 0 });
  }
  return JSON.stringify({ ...a, generation: 0 }) === JSON.stringify({ ...b, generation: 0 });
}
