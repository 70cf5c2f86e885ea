#!/usr/bin/env node
// lvsctl-agent: the daemon on every director and realserver. This file only wires things:
// options → configuration → logger, applier, state → gRPC server → signals.
import { promises as fs } from 'fs';
import { hostname } from 'os';
import { Command, CommanderError } from 'commander';
import type { Logger } from 'winston';
import { VERSION } from '../lvs/version';
import { createDirectorApplier, type DirectorKernel } from './director/applier';
import { createDrainSweeper } from './director/drain-sweeper';
import { startDrainTimer, type DrainTimer } from './director/drain-timer';
import { IpvsWriter } from './kernel/ipvs-writer';
import { chooseIpvsBackend, type IpvsBackendName } from './kernel/linux/ipvs-backend';
import { LinuxMarks } from './kernel/linux/marks';
import { createLinuxPreconditions } from './kernel/linux/preconditions';
import { createRealserverVerifier } from './realserver/verifier';
import { createLogger } from './logging';
import { AgentConfigError, IPTABLES_CHOICES, IPVS_CHOICES, resolveAgentConfig, type AgentConfig, type RawAgentOptions } from './server/agent-config';
import { AgentService } from './server/agent-service';
import { agentServerCredentials, startAgentServer, type RunningAgent } from './server/agent-server';
import { fileGenerationStore } from './state/generation';
import { createAgentHealth, type AgentHealth } from './health/agent-health';
import { procListeningReader } from './health/listening-sockets';
import { procFiles } from './health/proc-files';
import { createExec } from './kernel/exec';
import { createAgentMetrics } from './metrics/agent-metrics';
import { serveMetrics, type MetricsServer } from './metrics/serve';
import { createLinuxRealserverKernel } from './realserver/kernel';

function buildProgram(): Command {
  return new Command('lvsctl-agent')
    .description('the lvsctl agent: applies IPVS services and marks on a director, verifies a realserver; serves gRPC with mutual TLS')
    .version(VERSION, '--version', 'print the version')
    .option('--role <ROLE>', 'director or realserver (required)')
    .option('--listen <ADDR:PORT>', 'where to serve gRPC', '0.0.0.0:7400')
    .option('--ca <FILE>', 'CA certificate: clients must present a certificate it signed')
    .option('--cert <FILE>', 'this agent\'s certificate (lvsctl certs issue DIR HOST --ip ADDRESS)')
    .option('--key <FILE>', 'the key of --cert')
    .option('--allow <NAME,...>', 'serve only client certificates with one of these common names')
    .option('--state-dir <DIR>', 'where the agent keeps what it applied and owns', '/var/lib/lvsctl')
    .option('--iptables <BACKEND>', `iptables backend for mark rules: ${IPTABLES_CHOICES.join(', ')}`, 'auto')
    .option('--ipvs <BACKEND>', `director: how to reach IPVS: ${IPVS_CHOICES.join(', ')} (auto: netlink if the kernel has it, else ipvsadm)`, 'auto')
    .option('--metrics <ADDR:PORT>', 'serve Prometheus metrics on http://ADDR:PORT/metrics (health, applies, IPVS counters)')
    .option('--self-check-interval <DURATION>', 'realserver: how often it re-runs its own checks (VIP, ARP, FTP range, ports listening)', '10s')
    .option('--drain-timeout <DURATION>', 'director: how long a realserver dropped from the plan drains (weight 0) before it is deleted anyway', '300s')
    .option('--log-level <LEVEL>', 'error, warn, info, verbose or debug', 'info')
    .option('--insecure', 'serve plain TCP without TLS: for tests on loopback or a lab only', false)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
}

/** The director's kernel, built once: every reader and writer of the IPVS table gets this one door. */
async function directorKernel(config: AgentConfig, logger: Logger): Promise<{ kernel: DirectorKernel; ipvsBackend: IpvsBackendName }> {
  const exec = createExec();
  const chosen = await chooseIpvsBackend(config.ipvs, { exec, log: logger });
  return {
    ipvsBackend: chosen.backend,
    kernel: {
      ipvs: new IpvsWriter(chosen.ipvs),
      marks: new LinuxMarks(exec, config.iptables),
      preconditions: createLinuxPreconditions({ exec, iptables: config.iptables, ipvsadm: chosen.backend === 'ipvsadm' }),
    },
  };
}

function capabilitiesOf(config: AgentConfig, ipvsBackend?: IpvsBackendName): string[] {
  const common = ['health', ...(config.metrics ? ['metrics'] : [])];
  return config.role === 'director'
    ? ['ipvs', `ipvs-${ipvsBackend ?? 'ipvsadm'}`, `iptables-${config.iptables}`, 'status', 'connections', ...common]
    : ['vip-check', 'arp-check', 'ftp-check', 'port-check', ...common];
}

const DRAIN_SWEEP_INTERVAL_MS = 10_000;

function startDirectorDrainSweeps(config: AgentConfig, writer: IpvsWriter, logger: Logger): DrainTimer {
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
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    await fs.access(dir, 2 /* W_OK */);
  } catch (err) {
    throw new AgentConfigError(`--state-dir ${dir}: cannot create or write it (${(err as NodeJS.ErrnoException).code ?? String(err)}); run as root or choose another --state-dir`);
  }
}

async function run(argv: string[]): Promise<void> {
  const program = buildProgram();
  program.parse(argv);
  const config = resolveAgentConfig(program.opts<RawAgentOptions>());
  const logger = createLogger(config.logLevel);
  if (!config.tls) {
    const warning = 'INSECURE: serving plain TCP without TLS; anyone who can reach this port can change this host. Use --insecure only on loopback or in a lab';
    process.stderr.write(`lvsctl-agent: ${warning}\n`);
    logger.warn(warning);
  }
  // Handlers first: until a listener exists, SIGTERM's default action kills the process
  // outright, and systemd may send it at any moment.
  let running: RunningAgent | undefined;
  let health: AgentHealth | undefined;
  let metricsServer: MetricsServer | undefined;
  let drainTimer: DrainTimer | undefined;
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping: no new calls; the apply in flight finishes first', { signal });
    // before the server is bound there is nothing to drain: exit at once
    (running ? running.shutdown() : Promise.resolve())
      .then(() => Promise.all([health?.stop(), metricsServer?.close(), drainTimer?.stop()]))
      .then(() => {
      logger.info('agent stopped', { signal });
      process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await prepareStateDir(config.stateDir);
  const host = hostname();
  const metrics = createAgentMetrics();
  const director = config.role === 'director' ? await directorKernel(config, logger) : undefined;
  const kernel = director?.kernel;
  health = createAgentHealth({
    role: config.role,
    stateDir: config.stateDir,
    logger,
    metrics,
    ...(kernel ? { ipvs: kernel.ipvs } : {}),
    procFiles,
    realserverKernel: () => createLinuxRealserverKernel(),
    readListening: procListeningReader(),
    selfCheckIntervalMs: config.selfCheckIntervalMs,
  });
  await health.start();
  if (config.metrics) {
    metricsServer = await serveMetrics(metrics.registry, config.metrics);
    logger.info('metrics served', { url: `http://${metricsServer.address.includes(':') ? `[${metricsServer.address}]` : metricsServer.address}:${metricsServer.port}/metrics` });
  }
  const service = new AgentService({
    identity: { host, role: config.role, version: VERSION, capabilities: capabilitiesOf(config, director?.ipvsBackend) },
    applier: health.wrap(kernel
      ? createDirectorApplier({
        stateDir: config.stateDir, logger, kernel, drainTimeoutMs: config.drainTimeoutMs,
        ...(health.wantedWeight ? { healthWeights: health.wantedWeight } : {}),
      })
      : createRealserverVerifier({ stateDir: config.stateDir, logger })),
    health: health.health,
    ...(health.status ? { status: health.status } : {}),
    ...(kernel ? { connections: { read: () => kernel.ipvs.table.connections() } } : {}),
    generations: fileGenerationStore(config.stateDir),
    authorization: { tls: config.tls !== undefined, allow: config.allow },
    logger,
  });
  if (kernel) drainTimer = startDirectorDrainSweeps(config, kernel.ipvs, logger);
  running = await startAgentServer({ listen: config.listen, credentials: agentServerCredentials(config.tls), service });
  logger.info('agent started', {
    host,
    role: config.role,
    version: VERSION,
    listen: `${config.listen.host}:${running.port}`,
    tls: config.tls ? { certificate: config.tls.commonName, allow: config.allow } : 'insecure',
    stateDir: config.stateDir,
  });
}

if (require.main === module) {
  run(process.argv).catch((err: unknown) => {
    if (err instanceof CommanderError) {
      // --help and --version end here with code 0; a usage error already printed its message
      process.exit(err.exitCode === 0 ? 0 : 1);
    }
    const message = err instanceof AgentConfigError || err instanceof Error ? err.message : String(err);
    process.stderr.write(`lvsctl-agent: ${message}\n`);
    process.exit(1);
  });
}
