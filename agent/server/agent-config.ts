// lvsctl-agent's options as given on the command line → a checked configuration, or an
// AgentConfigError that names the option and the fix. No I/O: the TLS files are read by
// transport/tls-identity.ts, at start and at each reload.
import { durationBoundsText, durationWithin, type DurationBounds } from '../../lvs/duration';
import { DRAIN_TIMEOUT_BOUNDS_MS, SELF_CHECK_INTERVAL_BOUNDS_MS } from '../../lvs/agent-options';
import { LOG_LEVELS, type LogLevel } from '../logging';
import type { AgentRole } from '../../lvs/wire/enum-names';
import { parseListenAddress, type ListenAddress } from './transport/listen-address';
import type { AgentTlsFiles } from './transport/tls-identity';
import { parseListen as parseMetricsListen } from '../metrics/serve';
import { IPTABLES_CHOICES, type IptablesChoiceOption, IPVS_CHOICES, type IpvsBackendChoice } from '../kernel/backend-choices';
import { OPTIMIZING_COMPILER_CHOICES, type OptimizingCompilerChoice } from '../optimizing-compiler';
import { CHECKS_DIRECTORY_EXAMPLE, tooBroadForChecks, tooBroadReason } from '../../lvs/exec-check-directory';

/** --ipvs: auto is netlink when the kernel has the IPVS family and the package loads, else ipvsadm */

export interface RawAgentOptions {
  role?: string;
  listen: string;
  ca?: string;
  cert?: string;
  key?: string;
  crl?: string;
  allow?: string;
  stateDir: string;
  iptables: string;
  /** absent when built by hand (tests): auto */
  ipvs?: string;
  metrics?: string;
  selfCheckInterval?: string;
  drainTimeout?: string;
  /** absent when built by hand (tests): the defaults */
  keepalivedConfig?: string;
  keepalivedPidfile?: string;
  execChecks?: string;
  /** absent when built by hand (tests): auto */
  optimizingCompiler?: string;
  logLevel: string;
  insecure?: boolean;
  /** the options given on the command line (not defaults), by these names: one for another role is warned of */
  given?: string[];
}

export interface AgentConfig {
  role: AgentRole;
  listen: ListenAddress;
  /** --ca, --cert, --key and --crl; undefined only with --insecure */
  tls: AgentTlsFiles | undefined;
  allow: string[];
  stateDir: string;
  iptables: IptablesChoiceOption;
  /** director: how it reaches IPVS (--ipvs) */
  ipvs: IpvsBackendChoice;
  logLevel: LogLevel;
  /** --metrics ADDR:PORT, checked; absent = no metrics endpoint */
  metrics?: string;
  /** --self-check-interval, a realserver's own checks */
  selfCheckIntervalMs: number;
  /** --drain-timeout, director: how long a realserver dropped from the plan may drain */
  drainTimeoutMs: number;
  /** --keepalived-config and --keepalived-pidfile, a director in a group */
  keepalived: { config: string; pidFile: string };
  /** --exec-checks DIR, director: exec health checks run only commands inside it; absent = exec checks fail */
  execChecksDir?: string;
  /** --optimizing-compiler: V8's optimizing compiler on, off, or auto (off on one CPU) */
  optimizingCompiler: OptimizingCompilerChoice;
}

const SELF_CHECK_DEFAULT_MS = 10_000;
const DRAIN_TIMEOUT_DEFAULT_MS = 300_000;

/** "10s", "500ms", "2m" → milliseconds, within [minMs, maxMs]. */
function parseDurationOption(flag: string, text: string | undefined, defaultMs: number, bounds: DurationBounds, example: string): number {
  if (text === undefined) return defaultMs;
  const ms = durationWithin(text, bounds);
  if (ms === undefined) throw new AgentConfigError(`${flag} ${JSON.stringify(text)}: must be ${durationBoundsText(bounds)}, e.g. ${example}`);
  return ms;
}

export class AgentConfigError extends Error {
  constructor(message: string) {
    super(message);
    // by its name: agent/program.ts tells it without loading this module
    this.name = 'AgentConfigError';
  }
}

const CN_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

function parseAllow(text: string | undefined): string[] {
  if (text === undefined) return [];
  const names = text.split(',').map((n) => n.trim()).filter((n) => n !== '');
  const bad = names.find((n) => !CN_PATTERN.test(n));
  if (names.length === 0 || bad !== undefined) {
    throw new AgentConfigError(`--allow ${JSON.stringify(text)}: must be certificate names separated by commas, e.g. --allow controller,ops-laptop`);
  }
  return names;
}

function tlsOf(opts: RawAgentOptions): AgentTlsFiles | undefined {
  const given = { ca: opts.ca, cert: opts.cert, key: opts.key };
  const present = Object.entries(given).filter(([, v]) => v).map(([k]) => `--${k}`);
  if (opts.insecure) {
    if (opts.crl !== undefined) present.push('--crl');
    if (present.length > 0) throw new AgentConfigError(`--insecure and ${present.join(', ')} exclude each other: drop --insecure to serve mutual TLS`);
    if (opts.allow !== undefined) throw new AgentConfigError('--allow checks client certificates, and --insecure has none: drop one of them');
    return undefined;
  }
  if (present.length < 3) {
    const missing = ['--ca', '--cert', '--key'].filter((f) => !present.includes(f));
    throw new AgentConfigError(
      `mutual TLS needs --ca, --cert and --key (missing ${missing.join(', ')}); make them with ` +
        '`lvsctl certs init DIR` and `lvsctl certs issue DIR HOST --ip ADDRESS`. ' +
        '--insecure serves plain TCP instead, for tests on loopback or a lab only',
    );
  }
  return { ca: given.ca as string, cert: given.cert as string, key: given.key as string, ...(opts.crl !== undefined ? { crl: opts.crl } : {}) };
}

/** `value` when it is one of `choices`; otherwise an error naming the option, the value and the choices. */
function choiceOf<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new AgentConfigError(`${flag} ${JSON.stringify(value)}: must be one of ${choices.join(', ')}`);
}

/** The wildcard addresses: a socket bound there takes the port on every address of its family. */
const ANY_ADDRESS = new Set(['0.0.0.0', '::']);

/**
 * --metrics on the port --listen serves gRPC on (the same address, or either a wildcard) could
 * only fail to bind, as "address in use", which reads like another agent running: said here.
 * Port 0 (any free port, in tests) never clashes.
 */
function refuseMetricsOnListenPort(metrics: string, listen: ListenAddress): void {
  const { address, port } = parseMetricsListen(metrics);
  if (port === 0 || port !== listen.port) return;
  if (address !== listen.host && !ANY_ADDRESS.has(address) && !ANY_ADDRESS.has(listen.host)) return;
  throw new AgentConfigError(`--metrics ${metrics} takes the port --listen serves gRPC on (${listen.port}): give metrics a port of their own, e.g. --metrics 127.0.0.1:9400`);
}

export function resolveAgentConfig(opts: RawAgentOptions): AgentConfig {
  if (opts.role !== 'director' && opts.role !== 'realserver') {
    throw new AgentConfigError(`--role ${opts.role === undefined ? 'is required' : JSON.stringify(opts.role) + ' is not a role'}: use --role director or --role realserver`);
  }
  if (opts.metrics !== undefined) {
    try {
      parseMetricsListen(opts.metrics);
    } catch (err) {
      throw new AgentConfigError((err as Error).message);
    }
  }
  const selfCheckIntervalMs = parseDurationOption('--self-check-interval', opts.selfCheckInterval, SELF_CHECK_DEFAULT_MS, SELF_CHECK_INTERVAL_BOUNDS_MS, '10s or 1m');
  const drainTimeoutMs = parseDurationOption('--drain-timeout', opts.drainTimeout, DRAIN_TIMEOUT_DEFAULT_MS, DRAIN_TIMEOUT_BOUNDS_MS, '300s or 30m');
  const iptables = choiceOf('--iptables', opts.iptables, IPTABLES_CHOICES);
  const ipvs = choiceOf('--ipvs', opts.ipvs ?? 'auto', IPVS_CHOICES);
  const optimizingCompiler = choiceOf('--optimizing-compiler', opts.optimizingCompiler ?? 'auto', OPTIMIZING_COMPILER_CHOICES);
  const logLevel = choiceOf('--log-level', opts.logLevel, LOG_LEVELS);
  if (!opts.stateDir.startsWith('/')) {
    throw new AgentConfigError(`--state-dir ${JSON.stringify(opts.stateDir)}: must be an absolute path, e.g. /var/lib/lvsctl`);
  }
  let listen: ListenAddress;
  try {
    listen = parseListenAddress(opts.listen);
  } catch (err) {
    throw new AgentConfigError((err as Error).message);
  }
  if (opts.metrics !== undefined) refuseMetricsOnListenPort(opts.metrics, listen);
  const allow = parseAllow(opts.allow);
  const keepalived = { config: opts.keepalivedConfig ?? '/etc/keepalived/keepalived.conf', pidFile: opts.keepalivedPidfile ?? '/run/keepalived.pid' };
  for (const [flag, file] of [['--keepalived-config', keepalived.config], ['--keepalived-pidfile', keepalived.pidFile]] as const) {
    if (!file.startsWith('/')) throw new AgentConfigError(`${flag} ${JSON.stringify(file)}: must be an absolute path`);
  }
  if (opts.execChecks !== undefined && !opts.execChecks.startsWith('/')) {
    throw new AgentConfigError(`--exec-checks ${JSON.stringify(opts.execChecks)}: must be an absolute directory, e.g. ${CHECKS_DIRECTORY_EXAMPLE}`);
  }
  if (opts.execChecks !== undefined && tooBroadForChecks(opts.execChecks)) {
    throw new AgentConfigError(`--exec-checks ${JSON.stringify(opts.execChecks)}: ${tooBroadReason(opts.execChecks)}`);
  }
  return {
    role: opts.role,
    listen,
    tls: tlsOf(opts),
    allow,
    stateDir: opts.stateDir,
    iptables,
    ipvs,
    logLevel,
    ...(opts.metrics !== undefined ? { metrics: opts.metrics } : {}),
    selfCheckIntervalMs,
    drainTimeoutMs,
    keepalived,
    ...(opts.execChecks !== undefined ? { execChecksDir: opts.execChecks } : {}),
    optimizingCompiler,
  };
}
