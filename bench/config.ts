// What bench/run.sh hands the guest (written by bench/prepare.ts as .lab/bench/guest-config.json).
export interface GuestConfig {
  /** the 2,000 × 10 figures: services and destinations per service */
  services: number;
  destinations: number;
  /** the 20,000 × 10 load (0: skipped) */
  bigServices: number;
  /** the realserver hosts the tables use (bench/table.ts), one agent each */
  realservers: Array<{ name: string; address: string }>;
  /** what the director agent is started with for IPVS: [] (its default) or ['--ipvs', 'netlink'] */
  ipvsArgs: string[];
  /** profile the agent and the controller during the 2,000 load (or, when it does not finish, a smaller one), and the agent during the weight change and the last no-op */
  profile: boolean;
  /**
   * node options added to the director agent's NODE_OPTIONS (BENCH_AGENT_NODE_OPTIONS, e.g.
   * V8's heap flags, for a trial of how they move the figures), trimmed; '' in the full run
   */
  agentNodeOptions: string;
  /** skip ipvsadm -R, the readers and keepalived (and the at-rest RSS wait): a quicker trial of lvsctl's own figures */
  skipBaselines: boolean;
  /**
   * lvsctl's load starts no sooner than this many seconds after the agents started: a trial
   * without baselines can so load into an agent in the full run's state, idle for minutes, its
   * start-up heap given back by V8's memory reducer. (Measured on one day, 2,000 × 10: at rest
   * 150 s, 6,671 and 7,490 page faults; loaded at once, about 7,700: no difference beyond the
   * noise, so rest does not explain why earlier trials were faster than full runs.) 0: no wait.
   */
  restBeforeLoadS: number;
  /** the 2,000 load's --deadline: an apply that is not done by then is reported as not finished */
  loadBudgetS: number;
  /** services of the profiled load when the big one did not finish */
  profileServices: number;
  /** where results go: .lab/bench on the host disk */
  dir: string;
  certDir: string;
  /** the guest stops starting new work after this */
  guestBudgetS: number;
  files: {
    planSmall: string;
    planSmallChanged: string;
    planBig: string;
    planProfile: string;
    ipvsadmSmall: string;
    keepalivedSmall: string;
    keepalivedSmallChanged: string;
  };
}
