// The agent's own options that a plan may set, for lvsctl bootstrap to write into
// /etc/default/lvsctl-agent: each one's flag, the role that takes it, and its values. The
// agent checks its command line against the same choices and bounds (agent/server/
// agent-config.ts), and the plan's schema is made from them (controller/plan/
// agent-options-schema.ts), so a plan never writes an option the agent would refuse to start
// with. What bootstrap itself decides (role, listen port, certificates, --allow, the state
// directory) is not among them, but for listenOn, which chooses the address bootstrap gives
// --listen (bootstrap writes it itself: a value, not a word of the command line).
import { isIP } from 'node:net';
import { splitAddressPort } from './address';
import type { DurationBounds } from './duration';

/** --iptables: a backend, or "auto" for the one the host's rules are in */
export const IPTABLES_CHOICES = ['auto', 'legacy', 'nft'] as const;
/** --ipvs: how a director reaches IPVS, or "auto" (netlink, else ipvsadm) */
export const IPVS_CHOICES = ['auto', 'netlink', 'ipvsadm'] as const;
/** --optimizing-compiler (agent/optimizing-compiler.ts) */
export const OPTIMIZING_COMPILER_CHOICES = ['auto', 'on', 'off'] as const;
/** --log-level: winston's npm levels */
export const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] as const;

/** listenOn: every address of the host (--listen 0.0.0.0:PORT or [::]:PORT), or only its plan address, the one the controller dials */
export const LISTEN_ON_CHOICES = ['any', 'address'] as const;

/** --self-check-interval, ms */
export const SELF_CHECK_INTERVAL_BOUNDS_MS: DurationBounds = { min: 1000, max: 3_600_000 };
/** --drain-timeout, ms */
export const DRAIN_TIMEOUT_BOUNDS_MS: DurationBounds = { min: 1000, max: 86_400_000 };

/** Which agents take an option: a director's, a realserver's, or both. */
export type AgentOptionRole = 'director' | 'realserver' | 'both';

/** The options a plan may set, by their plan names, in the order they are written out. */
export const PLAN_AGENT_OPTIONS = {
  ipvs: { flag: '--ipvs', role: 'director' },
  iptables: { flag: '--iptables', role: 'director' },
  drainTimeout: { flag: '--drain-timeout', role: 'director' },
  execChecks: { flag: '--exec-checks', role: 'director' },
  keepalivedConfig: { flag: '--keepalived-config', role: 'director' },
  keepalivedPidfile: { flag: '--keepalived-pidfile', role: 'director' },
  selfCheckInterval: { flag: '--self-check-interval', role: 'realserver' },
  metrics: { flag: '--metrics', role: 'both' },
  optimizingCompiler: { flag: '--optimizing-compiler', role: 'both' },
  logLevel: { flag: '--log-level', role: 'both' },
  listenOn: { flag: '--listen', role: 'both', byBootstrap: true },
} as const satisfies Record<string, { flag: string; role: AgentOptionRole; byBootstrap?: true }>;

export type PlanAgentOptionName = keyof typeof PLAN_AGENT_OPTIONS;
export type PlanAgentOptions = Partial<Record<PlanAgentOptionName, string>>;

export const PLAN_AGENT_OPTION_NAMES = Object.keys(PLAN_AGENT_OPTIONS) as PlanAgentOptionName[];

/** Whether an agent of `role` takes the option. */
export function agentOptionFits(name: PlanAgentOptionName, role: 'director' | 'realserver'): boolean {
  const takes: AgentOptionRole = PLAN_AGENT_OPTIONS[name].role;
  return takes === 'both' || takes === role;
}

/**
 * The options given to an agent of `role` that another role's agent takes (`--drain-timeout`
 * to a realserver), in PLAN_AGENT_OPTIONS' order: such an agent ignores them, and says so.
 */
export function misplacedAgentOptions(role: 'director' | 'realserver', given: Iterable<string>): PlanAgentOptionName[] {
  const names = new Set(given);
  return PLAN_AGENT_OPTION_NAMES.filter((name) => names.has(name) && !agentOptionFits(name, role));
}

/** The options as command-line words (flag, value), in PLAN_AGENT_OPTIONS' order. */
export function agentOptionWords(options: PlanAgentOptions): string[] {
  const words: string[] = [];
  for (const name of PLAN_AGENT_OPTION_NAMES) {
    const value = options[name];
    const option: { flag: string; byBootstrap?: true } = PLAN_AGENT_OPTIONS[name];
    if (value !== undefined && option.byBootstrap !== true) words.push(option.flag, value);
  }
  return words;
}

/** "127.0.0.1:9400", "[::1]:9400": a numeric address and a port, as --metrics and --listen take them. */
export function isNumericListenAddress(text: string): boolean {
  const split = splitAddressPort(text);
  return split !== undefined && isIP(split.address) === (split.bracketed ? 6 : 4) && split.port <= 65535;
}
