// The real programs in the lab: `lvsctl-agent` started detached inside a host's network
// namespace with mutual TLS, certificates made by the real `lvsctl certs`, and the real
// `lvsctl` CLI run from the client namespace. Everything runs from dist/ (the build the
// lab boots with), or from the packaged executables where a test names them (`program`,
// packaged.ts), and through argument arrays, never a shell.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { sleep } from './netns';
import { runLvsctlInProcess } from './in-process-cli';

/** dist/ of the checkout: this file runs as dist/test/lab/support/agents.js. */
const DIST = join(__dirname, '..', '..', '..');
export const LVSCTL_MAIN = join(DIST, 'controller', 'cli', 'main.js');
export const AGENT_MAIN = join(DIST, 'agent', 'main.js');

/** The common name of the controller's certificate, and the agents' --allow. */
export const CONTROLLER_NAME = 'controller';
export const AGENT_PORT = 7400;
/** Every file the agents and the controller write in the guest lives under here (the guest's tmpfs). */
export const LAB_TMP = '/tmp/lvsctl-lab';
/**
 * The lab's CA and certificates, on the host disk in the checkout (.lab/ is git-ignored):
 * issued once per (host, address) by the real `lvsctl certs` and reused by later clusters
 * and later boots, because every node start costs 5 to 20 s in the guest (docs/lab.md).
 */
export const LAB_CERT_DIR = join(DIST, '..', '.lab', 'pki');
/** One lvsctl run in the guest: 5 to 20 s for node to load the CLI alone on a loaded host. */
export const LVSCTL_RUN_TIMEOUT_MS = 240_000;
/** An agent start: node loads gRPC, zod and winston, at 15 to 20 s each when three start at once. */
export const AGENT_START_TIMEOUT_MS = 180_000;

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Run FILE ARGS (inside namespace `ns` unless it is null) and return its exit code and
 * output; never throws for a non-zero exit, only when the program cannot be started or
 * runs past `timeoutMs`.
 */
export function runCommand(ns: string | null, file: string, args: readonly string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CommandResult> {
  const timeout = options.timeoutMs ?? LVSCTL_RUN_TIMEOUT_MS;
  const argv = ns === null ? [file, ...args] : ['ip', 'netns', 'exec', ns, file, ...args];
  const [program, ...rest] = argv as [string, ...string[]];
  return new Promise((resolve, reject) => {
    const child = execFile(program, rest, { timeout, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8', shell: false, env: { ...process.env, ...options.env } }, (error, stdout, stderr) => {
      if (error === null) return resolve({ code: 0, stdout, stderr });
      if (typeof error.code === 'number' && !error.killed) return resolve({ code: error.code, stdout, stderr });
      const why = error.killed ? `still running after ${timeout} ms (killed)` : error.message;
      reject(new Error(`${[file, ...args].join(' ')}${ns === null ? '' : ` in netns ${ns}`}: ${why}\nstdout: ${stdout}\nstderr: ${stderr}`));
    });
    child.stdin?.end();
  });
}

/** How a program is started: node with a script of dist/, or a packaged executable alone. */
export function programArgv(packaged: string | undefined, script: string): [string, ...string[]] {
  return packaged === undefined ? [process.execPath, script] : [packaged];
}

/** The real `lvsctl ARGS` (node dist/controller/cli/main.js, or the packaged `program`), in namespace `ns` unless null. */
export function runLvsctl(ns: string | null, args: readonly string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; program?: string } = {}): Promise<CommandResult> {
  const [file, ...pre] = programArgv(options.program, LVSCTL_MAIN);
  return runCommand(ns, file, [...pre, ...args], options);
}

export interface CertFiles {
  ca: string;
  cert: string;
  key: string;
}

/** The certificate name an agent gets: its host name and address, so two plans giving one name two addresses do not clash. */
export function agentCertName(host: string, address: string): string {
  return `${host}-at-${address.replace(/[.:]/g, '-')}`;
}

/** The controller's CA, certificate and key in `certDir`. */
export function controllerCert(certDir: string): CertFiles {
  return { ca: join(certDir, 'ca.crt'), cert: join(certDir, `${CONTROLLER_NAME}.crt`), key: join(certDir, `${CONTROLLER_NAME}.key`) };
}

export function agentCert(certDir: string, host: string, address: string): CertFiles {
  const name = agentCertName(host, address);
  return { ca: join(certDir, 'ca.crt'), cert: join(certDir, `${name}.crt`), key: join(certDir, `${name}.key`) };
}

/**
 * `lvsctl certs init` (once) and `lvsctl certs issue` for the controller and each host
 * with `--ip` its address; certificates already there are kept (issue refuses to overwrite).
 * Each node start costs seconds in UML, which is why the CA lives for the whole boot.
 */
export async function issueLabCertificates(hosts: ReadonlyArray<{ name: string; address: string }>, certDir = LAB_CERT_DIR): Promise<string> {
  await mkdir(certDir, { recursive: true });
  const certs = async (args: string[]): Promise<void> => {
    // certificates are files: no namespace needed
    // in this process: a node start per certificate would cost 15-20 s each in the guest
    const result = await runLvsctlInProcess(['certs', ...args], { timeoutMs: LVSCTL_RUN_TIMEOUT_MS });
    if (result.code !== 0) throw new Error(`lvsctl certs ${args.join(' ')} exited ${result.code}: ${result.stderr.trim()}`);
  };
  if (!existsSync(join(certDir, 'ca.crt'))) await certs(['init', certDir]);
  const wanted = [
    { name: CONTROLLER_NAME, ips: [] as string[] },
    ...hosts.map((host) => ({ name: agentCertName(host.name, host.address), ips: [host.address] })),
  ];
  // One at a time: the guest has one CPU, so parallel runs only make each hit its timeout.
  for (const cert of wanted) {
    if (!existsSync(join(certDir, `${cert.name}.crt`))) await certs(['issue', certDir, cert.name, ...cert.ips.flatMap((ip) => ['--ip', ip])]);
  }
  return certDir;
}

export interface AgentSpec {
  host: string;
  role: 'director' | 'realserver';
  address: string;
  certDir: string;
  /** appended to the agent's command line, e.g. ['--self-check-interval', '1s'] */
  extraArgs?: readonly string[];
  /** where its JSON log goes (appended); default agentLogPath(host) */
  logPath?: string;
  /** added to the agent's environment, e.g. a PATH that puts a faulty tool first (apply-faults.test.ts) */
  env?: Readonly<Record<string, string>>;
  /** a packaged lvsctl-agent executable to run instead of node dist/agent/main.js (packaged.test.ts) */
  program?: string;
}

export function agentStateDir(host: string): string {
  return `/tmp/lvsctl-state/${host}`;
}

export function agentLogPath(host: string): string {
  return `${LAB_TMP}/agent-${host}.log`;
}

/**
 * How lab directors reach IPVS unless a test says otherwise: netlink (`LAB_IPVS=ipvsadm`
 * runs the whole suite on ipvsadm). One scenario stays on ipvsadm by its own agentArgs.
 */
export const LAB_IPVS_BACKEND = process.env.LAB_IPVS ?? 'netlink';

/** The agent's command line, as an operator would type it on that host. */
export function agentArgs(spec: AgentSpec): string[] {
  const cert = agentCert(spec.certDir, spec.host, spec.address);
  return [
    '--role', spec.role,
    '--listen', spec.address.includes(':') ? `[${spec.address}]:${AGENT_PORT}` : `${spec.address}:${AGENT_PORT}`,
    '--ca', cert.ca, '--cert', cert.cert, '--key', cert.key,
    '--allow', CONTROLLER_NAME,
    '--state-dir', agentStateDir(spec.host),
    // a director's: the lab kernel has no nf_tables (docs/lab.md); extraArgs come after, so a
    // test's own --ipvs wins (commander keeps the last). A realserver would warn of either.
    ...(spec.role === 'director' ? ['--iptables', 'legacy', '--ipvs', LAB_IPVS_BACKEND] : []),
    ...(spec.extraArgs ?? []),
  ];
}

export interface AgentProcess {
  spec: AgentSpec;
  pid: number;
  logPath: string;
  /** SIGTERM (the agent drains and exits 0), SIGKILL after `graceMs`; resolves once it is gone */
  stop(graceMs?: number): Promise<void>;
  /**
   * SIGKILL to the agent's process group: the agent and the tools it is running at that
   * moment (ipvsadm -R, iptables-restore), as systemd's default KillMode=control-group kills
   * a unit; resolves once the agent is gone.
   */
  kill(): Promise<void>;
}

const STARTED_LINE = '"agent started"';

/**
 * Start `lvsctl-agent` detached in the host's namespace, its JSON log (stdout and stderr)
 * appended to agentLogPath(host); resolves once it logged "agent started" (it listens).
 */
export async function startAgent(spec: AgentSpec, startTimeoutMs = AGENT_START_TIMEOUT_MS): Promise<AgentProcess> {
  const logPath = spec.logPath ?? agentLogPath(spec.host);
  await mkdir(dirname(logPath), { recursive: true });
  const before = await readLog(logPath);
  const fd = openSync(logPath, 'a');
  let child: ChildProcess;
  try {
    // detached: a process group of its own (`ip netns exec` execs the agent, so the group's id is the agent's pid)
    child = spawn('ip', ['netns', 'exec', spec.host, ...programArgv(spec.program, AGENT_MAIN), ...agentArgs(spec)], {
      detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, ...spec.env },
    });
  } finally {
    closeSync(fd);
  }
  child.unref();
  let exit: string | undefined;
  const exited = new Promise<void>((resolve) => child.once('exit', (code, signal) => {
    exit = signal ?? `status ${code}`;
    resolve();
  }));
  child.once('error', (error) => (exit = error.message));
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    const log = (await readLog(logPath)).slice(before.length);
    if (log.includes(STARTED_LINE)) break;
    if (exit !== undefined || Date.now() > deadline) {
      if (exit === undefined) child.kill('SIGKILL');
      const why = exit === undefined ? `did not log "agent started" within ${startTimeoutMs} ms` : `exited (${exit}) before serving`;
      throw new Error(`lvsctl-agent on ${spec.host} (${spec.role}, ${spec.address}:${AGENT_PORT}) ${why}; its log:\n${log.trim() || '(empty)'}`);
    }
    await sleep(250);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`lvsctl-agent on ${spec.host}: started without a pid`);
  return {
    spec,
    pid,
    logPath,
    stop: async (graceMs = 10_000) => {
      if (exit !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    kill: async () => {
      if (exit !== undefined) return;
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL'); // the group is gone already: the agent alone, if it is still there
      }
      await exited;
    },
  };
}

async function readLog(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return '';
  }
}
