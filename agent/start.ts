// lvsctl-agent, once its command line is parsed (agent/main.ts): options → configuration
// → the kernel doors (built once) → logger, applier, health, state → gRPC server → signals.
// Loaded only to start the agent, so --help and --version load none of it.
import { CAPABILITIES } from '../lvs/agent-capabilities';
import { promises as fs } from 'fs';
import { tooBroadForChecks, tooBroadReason } from '../lvs/exec-check-directory';
import { hostname } from 'os';
import type { Logger } from 'winston';
import { VERSION } from '../lvs/version';
import type { DirectorKernel } from './director/applier';
import type { CachedPreconditions } from './kernel/cached-preconditions';
import type { MarksReadAtStart } from './kernel/marks-read-at-start';
import type { DirectorPreconditions } from './kernel/preconditions';
import { errorMessage, fileInTheWay } from '../lvs/errors';
import type { DrainTimer } from './director/drain-timer';
import type { VrrpSource } from '../lvs/vrrp';
import type { Keepalived } from './kernel/keepalived';
import type { HostApplier } from '../lvs/apply-events';
import type { RealserverApplier } from './realserver/verifier';
import type { PrepareRetries } from './realserver/prepare-at-start';
import type { IpvsWriter } from './kernel/ipvs-writer';
import type { IpvsBackendName } from './kernel/linux/ipvs-backend';
import { createLogger, logToStderrFromNowOn } from './logging';
import { carryOnWhenOutputFails } from '../lvs/closed-output';
import { notifyReady } from './service-manager';
import { stderrErrorPrefix } from './journal';
import { AgentConfigError, resolveAgentConfig, type AgentConfig, type RawAgentOptions } from './server/agent-config';
import { AgentService } from './server/agent-service';
import { startAgentServer, type RunningAgent } from './server/agent-server';
import { Revocations } from './server/revocation';
import { describeIdentity, loadTlsIdentity, secureContextOf, type AgentTlsFiles, type TlsIdentity } from './server/transport/tls-identity';
import { tlsReloader } from './server/transport/tls-reloader';
import { identityWarnings } from './server/transport/identity-warnings';
import { TlsFileError } from '../lvs/wire/tls-files';
import { prepareCodecsSteps } from '../lvs/wire/proto-types';
import { runSliced } from '../lvs/yield-point';
import { fileGenerationStore } from './state/generation';
import { createAgentHealth, type AgentHealth } from './health/agent-health';
import { checkRunner } from './health/checkers';
import { procFiles } from './health/proc-files';
import type { MetricsServer } from './metrics/serve';
import { NO_METRICS } from './metrics/metrics-recorder';
import { fullCollection, IdleCollector } from './idle-collect';
import { describeOptimizingCompiler, setOptimizingCompiler } from './optimizing-compiler';
import { makeDirectory } from '../lvs/make-directory';
import { misplacedAgentOptions, PLAN_AGENT_OPTIONS } from '../lvs/agent-options';

// The modules of one role are loaded only by an agent of that role (import() below): a
// realserver never loads the applier, the IPVS and iptables doors or keepalived's, and a
// director never loads the verifier or the route netlink readers; what an idle agent has
// loaded stays in its RSS (docs/architecture.md, "Memory at rest").

interface DirectorParts {
  /** what the applier is handed; its preconditions are checked once, then after a failure */
  kernel: DirectorKernel & { preconditions: CachedPreconditions; marks: MarksReadAtStart };
  /** checked afresh each time: for explaining a failed read (Status, Connections) */
  uncachedPreconditions: DirectorPreconditions;
  ipvsBackend: IpvsBackendName;
  /** a rollout's hello said an apply follows: the table is checked against the kernel's listing now (kernel/check-ahead.ts) */
  applyAnnounced: () => void;
}

/**
 * The director's kernel, built once: every reader and writer of the IPVS table gets this one
 * door, netlink or ipvsadm as --ipvs chose (auto: netlink, else ipvsadm, logged once).
 */
async function directorParts(config: AgentConfig, logger: Logger): Promise<DirectorParts> {
  const [
    { createExec, DEFAULT_MAX_OUTPUT_BYTES }, { chooseIpvsBackend }, { createLinuxPreconditions }, { IpvsWriter }, { ConfirmedIpvs },
    { readProcFilePieces }, { IPVS_TABLE_FILE }, { LinuxMarks }, { CachedPreconditions }, { createLinuxKeepalived }, { MarksReadAtStart },
    { checkAheadOnAnnouncement }, { LinuxSysctl }, { natPathAddresses }, { NatPathAhead },
  ] = await Promise.all([
    import('./kernel/exec'), import('./kernel/linux/ipvs-backend'), import('./kernel/linux/preconditions'), import('./kernel/ipvs-writer'),
    import('./kernel/confirmed-ipvs'), import('./kernel/linux/proc-file'), import('../lvs/formats/ipvs-proc-table'), import('./kernel/linux/marks'),
    import('./kernel/cached-preconditions'), import('./kernel/linux/keepalived'), import('./kernel/marks-read-at-start'),
    import('./kernel/check-ahead'), import('./kernel/linux/sysctl'), import('./kernel/linux/nat-path-addresses'), import('./director/nat-path-ahead'),
  ]);
  const exec = createExec();
  const chosen = await chooseIpvsBackend(config.ipvs, { exec, log: logger });
  const uncachedPreconditions = createLinuxPreconditions({ exec, iptables: config.iptables, ipvsadm: chosen.backend === 'ipvsadm' });
  // reads check the kernel's listing and read again only what it shows changed (confirmed-ipvs.ts)
  const door = new ConfirmedIpvs({ backend: chosen.ipvs, readListing: () => readProcFilePieces(IPVS_TABLE_FILE, DEFAULT_MAX_OUTPUT_BYTES) });
  const writer = new IpvsWriter(door);
  // forwarding and ICMP redirects for LVS-NAT (director/nat-path.ts): read at the hello that announces an apply
  const interfaces = natPathAddresses(exec);
  const natPath = new NatPathAhead({ interfaces, sysctl: new LinuxSysctl() });
  const checkAhead = checkAheadOnAnnouncement(writer, door, (error) =>
    logger.info('the table could not be checked ahead of the announced apply; the apply reads it itself', { problem: errorMessage(error) }));
  return {
    kernel: {
      ipvs: writer,
      // read once in the background when the agent serves (start() below): the first apply's look for a left chain
      marks: new MarksReadAtStart(new LinuxMarks(exec, config.iptables)),
      marks6: new LinuxMarks(exec, config.iptables, 'inet6'),
      preconditions: new CachedPreconditions(uncachedPreconditions),
      keepalived: createLinuxKeepalived({ configPath: config.keepalived.config, pidFile: config.keepalived.pidFile, stateDir: config.stateDir, exec }),
      natPath,
      // a group's interfaces must exist before keepalived is told them (director/vrrp-step.ts)
      interfaces,
    },
    uncachedPreconditions,
    ipvsBackend: chosen.backend,
    applyAnnounced: () => {
      checkAhead();
      natPath.announce();
    },
  };
}

/** Checked at start so an operator sees at once what a rollout would refuse. */
async function logUnmetPreconditions(preconditions: DirectorPreconditions, logger: Logger): Promise<void> {
  const problems = await preconditions.check().catch((error: unknown) => [{ subject: 'preconditions', message: `could not check: ${errorMessage(error)}`, fix: 'see the log' }]);
  for (const p of problems) logger.warn('director precondition unmet: applies will fail until it is fixed', { subject: p.subject, problem: p.message, fix: p.fix });
}

/** The VRRP of the last applied plan, read back from keepalived for Status, Health and metrics. */
async function directorVrrp(keepalived: Keepalived, stateDir: string): Promise<VrrpSource> {
  const [{ vrrpSource }, { lastAppliedVrrp }] = await Promise.all([import('./director/vrrp-status'), import('./state/last-plan')]);
  return vrrpSource(keepalived, () => lastAppliedVrrp(stateDir).catch(() => undefined));
}

/** The applier, whose preconditions are checked again after an apply failed on one. */
async function directorApplier(
  config: AgentConfig, logger: Logger, kernel: DirectorParts['kernel'], healthWeights: AgentHealth['wantedWeight'], healthHoldsNone: AgentHealth['holdsNone'],
): Promise<HostApplier> {
  const [{ createDirectorApplier }, { recheckPreconditionsOnFailure }] = await Promise.all([import('./director/applier'), import('./director/recheck-on-failure')]);
  return recheckPreconditionsOnFailure(createDirectorApplier({
    stateDir: config.stateDir, logger, kernel, drainTimeoutMs: config.drainTimeoutMs,
    ...(healthWeights ? { healthWeights } : {}),
    ...(healthHoldsNone ? { healthHoldsNone } : {}),
  }), kernel.preconditions);
}

/** A realserver agent has built its verifier (role realserver: a realserver kernel). */
function realserverApplier(verifier: HostApplier | undefined): HostApplier {
  if (!verifier) throw new Error('internal: a realserver agent without its verifier');
  return verifier;
}

/**
 * The realserver's last plan, prepared again (realserver/prepare-at-start.ts; its outcome is
 * logged there); when that failed, the tries again later, which the agent stops as it stops.
 */
async function prepareAtStart(stateDir: string, verifier: RealserverApplier, logger: Logger): Promise<PrepareRetries | undefined> {
  const [{ prepareAgainAtStart, retryPrepareAfterFailure }, { readLastPlan }] = await Promise.all([import('./realserver/prepare-at-start'), import('./state/last-plan')]);
  const readPlan = (): ReturnType<typeof readLastPlan> => readLastPlan(stateDir);
  const { outcome, generation } = await prepareAgainAtStart({ readLastPlan: readPlan, applier: verifier, logger });
  if (outcome !== 'failed' || generation === undefined) return undefined;
  return retryPrepareAfterFailure({ readLastPlan: readPlan, applier: verifier, logger, generation });
}

function capabilitiesOf(config: AgentConfig, ipvsBackend?: IpvsBackendName): string[] {
  const common = ['health', ...(config.metrics ? ['metrics'] : [])];
  return config.role === 'director'
    ? ['ipvs', `ipvs-${ipvsBackend ?? 'ipvsadm'}`, `iptables-${config.iptables}`, 'status', 'connections', CAPABILITIES.natGatewayInterface, CAPABILITIES.ipv6Instance, ...common]
    : ['vip-check', 'arp-check', 'ftp-check', 'port-check', ...common];
}

const DRAIN_SWEEP_INTERVAL_MS = 10_000;

async function startDirectorDrainSweeps(config: AgentConfig, writer: IpvsWriter, logger: Logger): Promise<DrainTimer> {
  const [{ createDrainSweeper }, { startDrainTimer }] = await Promise.all([import('./director/drain-sweeper'), import('./director/drain-timer')]);
  const sweeper = createDrainSweeper({
    stateDir: config.stateDir,
    writer,
    now: Date.now,
    timeoutMs: config.drainTimeoutMs,
    logger,
  });
  return startDrainTimer({ sweeper, intervalMs: DRAIN_SWEEP_INTERVAL_MS, logger });
}

async function prepareStateDir(dir: string): Promise<void> {
  try {
    await makeDirectory(dir, 0o700);
    await fs.access(dir, 2 /* W_OK */);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const inTheWay = fileInTheWay(code);
    if (inTheWay !== undefined) throw new AgentConfigError(`--state-dir ${dir}: ${inTheWay}; move it away or choose another --state-dir`);
    throw new AgentConfigError(`--state-dir ${dir}: cannot create or write it (${code ?? String(err)}); run as root or choose another --state-dir`);
  }
}

/**
 * --exec-checks as it resolves: a symbolic link to /usr/bin is /usr/bin, refused as that is
 * (agent-config.ts refuses the path as written, without I/O). A directory not there yet is left
 * to the checks, which say so.
 */
async function refuseBroadExecChecks(dir: string | undefined): Promise<void> {
  if (dir === undefined) return;
  const resolved = await fs.realpath(dir).catch(() => undefined);
  if (resolved !== undefined && tooBroadForChecks(resolved)) {
    throw new AgentConfigError(`--exec-checks ${JSON.stringify(dir)} resolves to ${resolved}: ${tooBroadReason(resolved)}`);
  }
}

/** The TLS files as at start: a wrong one ends the start with its name and the fix. */
async function startIdentity(files: AgentTlsFiles | undefined): Promise<TlsIdentity | undefined> {
  if (!files) return undefined;
  try {
    return await loadTlsIdentity(files);
  } catch (err) {
    if (err instanceof TlsFileError) throw new AgentConfigError(err.message);
    throw err;
  }
}

/** Starts the agent with the options as parsed; resolves once it serves. */
export async function startAgent(options: RawAgentOptions): Promise<void> {
  const config = resolveAgentConfig(options);
  // before the agent's own work: V8 decides on optimizing a function as it runs hot
  const optimizingCompiler = setOptimizingCompiler(config.optimizingCompiler);
  const logger = createLogger(config.logLevel);
  // a log reader that goes away, or a log file's full disk, must not end the agent, perhaps
  // mid-apply (docs/operations.md, The agent's log)
  carryOnWhenOutputFails([process.stdout, process.stderr], (output, error) => {
    if (output === process.stdout) logToStderrFromNowOn(logger, error);
  });
  // an option for the other role is ignored, as before, but no longer without a word: refusing
  // to start over it would take down, at an upgrade, an agent that ran with it
  for (const name of misplacedAgentOptions(config.role, options.given ?? [])) {
    const option = PLAN_AGENT_OPTIONS[name];
    logger.warn(`${option.flag} is an option of ${option.role} agents: this ${config.role} agent ignores it; remove it from its command line (/etc/default/lvsctl-agent, or the plan's agentOptions for lvsctl bootstrap)`);
  }
  if (!config.tls) {
    const warning = 'INSECURE: serving plain TCP without TLS; anyone who can reach this port can change this host. Use --insecure only on loopback or in a lab';
    process.stderr.write(`${stderrErrorPrefix()}lvsctl-agent: ${warning}\n`);
    logger.warn(warning);
  }
  // Handlers first: until a listener exists, SIGTERM's default action kills the process
  // outright, and systemd may send it at any moment.
  let running: RunningAgent | undefined;
  let health: AgentHealth | undefined;
  let metricsServer: MetricsServer | undefined;
  let drainTimer: DrainTimer | undefined;
  let prepareRetries: PrepareRetries | undefined;
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping: no new calls; the apply in flight finishes first', { signal });
    // no try again of the start-time prepare from now on; the one under way finishes, as an apply does
    const retriesStopped = prepareRetries?.stop();
    // before the server is bound there is nothing to drain: exit at once
    (running ? running.shutdown() : Promise.resolve())
      .then(() => Promise.all([health?.stop(), metricsServer?.close(), drainTimer?.stop(), retriesStopped]))
      .then(() => {
      logger.info('agent stopped', { signal });
      process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // SIGHUP's default action ends the process: handle it from the start. Before the server
  // serves there is nothing to reload into; the files are read again once it does.
  let reload: (() => Promise<boolean>) | undefined;
  let reloadAsked = false;
  process.on('SIGHUP', () => {
    if (!config.tls) return void logger.warn('SIGHUP: nothing to reload, this agent serves plain TCP (--insecure)');
    if (reload) void reload();
    else reloadAsked = true;
  });
  const identity = await startIdentity(config.tls);
  await prepareStateDir(config.stateDir);
  await refuseBroadExecChecks(config.execChecksDir);
  const host = hostname();
  const revocations = new Revocations();
  if (identity?.crl) revocations.replace(identity.crl.revoked);
  // prom-client is loaded only when --metrics serves it (agent/metrics/metrics-recorder.ts)
  const metrics = config.metrics ? (await import('./metrics/agent-metrics')).createAgentMetrics() : undefined;
  const director = config.role === 'director' ? await directorParts(config, logger) : undefined;
  const kernel = director?.kernel;
  if (kernel) await logUnmetPreconditions(kernel.preconditions, logger);
  // the certificate served now: the one read at start, then each reload's
  let served = identity;
  if (served) metrics?.readCertificateExpiryFrom(() => (served as TlsIdentity).material.notAfter);
  const vrrp = kernel?.keepalived ? await directorVrrp(kernel.keepalived, config.stateDir) : undefined;
  if (vrrp) metrics?.readVrrpFrom(vrrp);
  // one realserver kernel for the verifier and the self-report, its reader chosen (and logged) once
  const realserverModule = config.role === 'realserver' ? await import('./realserver/kernel') : undefined;
  const realserverKernel = realserverModule?.createLinuxRealserverKernel({ log: logger });
  const verifier = realserverKernel
    ? (await import('./realserver/verifier')).createRealserverVerifier({ stateDir: config.stateDir, logger, kernel: realserverKernel })
    : undefined;
  // before the self-checks and before serving: a reboot took back what the last plan prepared
  if (verifier) prepareRetries = await prepareAtStart(config.stateDir, verifier, logger);
  health = createAgentHealth({
    role: config.role,
    stateDir: config.stateDir,
    logger,
    metrics: metrics ?? NO_METRICS,
    ...(kernel ? { ipvs: kernel.ipvs } : {}),
    procFiles,
    ...(realserverKernel ? { realserverKernel: () => realserverKernel } : {}),
    ...(realserverModule ? { readListening: realserverModule.createListeningReader({ log: logger }) } : {}),
    selfCheckIntervalMs: config.selfCheckIntervalMs,
    runCheck: checkRunner(config.execChecksDir ? { execDir: config.execChecksDir } : {}),
  });
  await health.start();
  if (config.metrics && metrics) {
    const { serveMetrics } = await import('./metrics/serve');
    metricsServer = await serveMetrics(metrics, config.metrics);
    logger.info('metrics served', { url: `http://${metricsServer.address.includes(':') ? `[${metricsServer.address}]` : metricsServer.address}:${metricsServer.port}/metrics` });
  }
  const service = new AgentService({
    identity: { host, role: config.role, version: VERSION, capabilities: capabilitiesOf(config, director?.ipvsBackend) },
    applier: health.wrap(kernel
      ? await directorApplier(config, logger, kernel, health.wantedWeight, health.holdsNone)
      : realserverApplier(verifier)),
    health: health.health,
    ...(health.status ? { status: health.status } : {}),
    ...(vrrp ? { vrrp } : {}),
    ...(director ? { connections: { read: (filter) => director.kernel.ipvs.table.connections(filter) }, preconditions: director.uncachedPreconditions, applyAnnounced: director.applyAnnounced } : {}),
    generations: fileGenerationStore(config.stateDir),
    authorization: { tls: config.tls !== undefined, allow: config.allow, ...(identity?.crl ? { revoked: revocations } : {}) },
    ...idleCollectorOf(logger),
    logger,
  });
  if (kernel) drainTimer = await startDirectorDrainSweeps(config, kernel.ipvs, logger);
  const server = await startAgentServer({ listen: config.listen, tls: identity ? secureContextOf(identity) : undefined, service, logger, allow: config.allow });
  running = server;
  logger.info('agent started', {
    host,
    role: config.role,
    version: VERSION,
    listen: `${config.listen.host}:${running.port}`,
    tls: identity ? { ...describeIdentity(identity), allow: config.allow } : 'insecure',
    stateDir: config.stateDir,
    optimizingCompiler: describeOptimizingCompiler(optimizingCompiler),
  });
  if (identity) for (const w of identityWarnings(identity, config.allow, new Date())) logger.warn(w.message, w.fields);
  // the first apply's look for a chain left from before, taken now rather than inside it (docs/director.md, step 3)
  kernel?.marks.start((error) => logger.info('the mangle table could not be read at start; the first apply reads it', { problem: errorMessage(error) }));
  // systemd (Type=notify) counts the start as done only now, when the port is bound
  await notifyReady(`serving ${config.role} on ${config.listen.host}:${running.port}`).catch((error: unknown) =>
    logger.error('could not tell systemd the agent is ready: it will time the start out (TimeoutStartSec) and stop the agent', { problem: errorMessage(error) }));
  // protobufjs makes each message type's codecs on first use: made now, in slices, so a
  // rollout's first Hello and Apply do not wait for them (lvs/wire/proto-types.ts)
  void runSliced(prepareCodecsSteps()).catch((error: unknown) =>
    logger.warn('the message codecs could not be made ahead; each is made on its first use', { problem: errorMessage(error) }));
  if (config.tls) {
    reload = tlsReloader({
      files: config.tls,
      logger,
      apply: (next) => {
        server.reloadTls(secureContextOf(next));
        revocations.replace(next.crl?.revoked ?? []);
        served = next;
        for (const w of identityWarnings(next, config.allow, new Date())) logger.warn(w.message, w.fields);
      },
    });
    if (reloadAsked) void reload();
  }
}

/**
 * The collection after an apply, once no apply has run for a second (rollouts at a site
 * are minutes apart; one that comes sooner waits at most the collection). 2 MiB of heap
 * growth since the last: a 2,000-service load leaves tens of MiB, and the few MiB a small
 * apply leaves at that size were what its successor paid 13-63 ms of marking for in the lab.
 */
function idleCollectorOf(logger: Logger): { idleCollector?: IdleCollector } {
  const collect = fullCollection();
  if (!collect) {
    logger.info('V8 gives no full collection: the garbage an apply leaves is collected as V8 decides, within later applies');
    return {};
  }
  return {
    idleCollector: new IdleCollector({
      collect, idleMs: 1000, growthBytes: 2 * 1024 * 1024,
      collected: (done) => logger.info('collected while idle', done),
    }),
  };
}
