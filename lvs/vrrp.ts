// A director group's VRRP, as one director is told it (DirectorPlan.vrrp) and as it reads
// it back from keepalived (VrrpStatus). keepalived moves the addresses and runs the IPVS
// sync daemon; lvsctl only writes its configuration and reads its state.

/** The most addresses one VRRP instance moves (the agent's bound on what it is sent; a plan's rule holds a group to it). */
export const MAX_VRRP_ADDRESSES = 1000;

/**
 * A VRRP PASS password: what keepalived.conf carries as one bare word. Its parser makes
 * "{", "}" and quotes tokens of their own, "#" and "!" start a comment and "$" a
 * definition, so those (and spaces) would end the word and silently break the instance.
 */
export const VRRP_PASSWORD = {
  max: 8,
  pattern: /^[A-Za-z0-9._:+=@%^*,/-]+$/,
  shape: '1..8 letters, digits or any of . _ : + = @ % ^ * , / - (keepalived.conf carries it as a bare word)',
} as const;

export interface VrrpPlan {
  /** the plan's group name; names the vrrp_instance */
  group: string;
  interface: string;
  virtualRouterId: number;
  /** this director's priority, 1..254 */
  priority: number;
  advertIntervalSeconds: number;
  /** VRRP PASS authentication; absent = none */
  authPassword?: string;
  /** every address that moves with the master (VIPs, the NAT gateway) */
  addresses: string[];
  /** the NAT gateway (one of `addresses`) on an interface of its own: a two-armed director's inside one */
  natGatewayOn?: { address: string; interface: string };
  /** true: the preferred director takes the addresses back when it returns */
  preempt: boolean;
  syncInterface: string;
  syncId: number;
  /** replace a keepalived.conf the agent did not write */
  takeOverConfig: boolean;
}

export const VRRP_STATES = ['MASTER', 'BACKUP', 'FAULT', 'STOPPED', 'UNKNOWN'] as const;
/** keepalived's three states, STOPPED (keepalived not running) and UNKNOWN (running, nothing reported yet). */
export type VrrpState = (typeof VRRP_STATES)[number];

export interface VrrpStatus {
  group: string;
  state: VrrpState;
  /** RFC 3339 of the last state change keepalived reported; absent = none */
  since?: string;
  priority: number;
  /** false: keepalived.conf is not the one the agent wrote */
  configOwned: boolean;
  /** why the state is what it is, or what is wrong */
  note?: string;
}

/** A director's VRRP read-back, for Status, Health and metrics; undefined = not in a group. */
export interface VrrpSource {
  read(): Promise<VrrpStatus | undefined>;
}
