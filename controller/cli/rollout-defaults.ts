// Defaults of lvsctl rollout that its help names: kept apart so the help loads without the rollout.
/** at most this many agents connected to or applied at once, unless --parallel says otherwise */
export const DEFAULT_PARALLEL = 10;
/** the most --parallel takes (rollout and bootstrap): each agent at once is a socket and a TLS session open at once */
export const MAX_PARALLEL = 1000;
