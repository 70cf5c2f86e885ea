// What lvsctl bootstrap does when it runs (bootstrap.ts declares it): load and resolve the
// plan, find the agent executable and the unit, read the CA directory, then hand the hosts
// to controller/bootstrap with the real ssh client and gRPC connector.
import { X509Certificate } from 'node:crypto';
import { promises as fs, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { CERT_NAME_PATTERN } from '../certs/cert-dir';
import { CRL_FILE, crlOfCertDir, writeCrlOfCertDir } from '../certs/revocation-dir';
import { readSshHostNames } from '../inventory/ssh-config';
import { loadPlanFile } from '../plan/load';
import { resolveAddresses } from '../inventory/resolve';
import { fleetPlanOrRefusal } from '../fleet/commands';
import { invalidPlanJson } from '../report/invalid-plan-json';
import { checkedLimit, parseLimit } from '../rollout/selection';
import { agentPathFromUnit, stopTimeoutMsFromUnit } from '../bootstrap/remote-files';
import { bootstrapExitCode, recapLines, runBootstrap } from '../bootstrap/run-bootstrap';
import { openSshRunner } from '../bootstrap/ssh';
import { connectorFromOptions, parseDurationMs } from './agent-options';
import type { AgentConnector } from '../client/agent-client';
import { CliError, EXIT, OptionError } from '../exit-codes';
import { parallelOf } from './rollout-defaults';

export interface BootstrapFlags {
  caDir?: string;
  limit?: string[];
  check?: boolean;
  agentBinary?: string;
  unit?: string;
  allow?: string;
  sudo?: boolean;
  parallel?: string;
  hostDeadline?: string;
  deadline?: string;
  insecure?: boolean;
  ca?: string;
  cert?: string;
  key?: string;
  sshConfig?: string;
  timeout: string;
  json?: boolean;
}

interface Io {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: NodeJS.ProcessEnv;
}

const DEFAULT_HOST_DEADLINE = '10m';
/** A started agent loads its certificates and listens within seconds; more means it is not coming. */
const HELLO_WITHIN_MS = 20_000;

/** --timeout and --host-deadline: a day at most */
const MAX_DURATION_MS = 86_400_000;

async function firstFile(candidates: readonly string[]): Promise<string | undefined> {
  for (const file of candidates) {
    try {
      if ((await fs.stat(file)).isFile()) return file;
    } catch {
      // not there: the next candidate
    }
  }
  return undefined;
}

/** Beside the running lvsctl: the single-file executable's folder, or dist/'s cli folder. */
function agentCandidates(): string[] {
  const found: string[] = [];
  if (!/^node(\.exe)?$/.test(basename(process.execPath))) found.push(join(dirname(process.execPath), 'lvsctl-agent'));
  try {
    if (process.argv[1]) found.push(join(dirname(realpathSync(process.argv[1])), 'lvsctl-agent'));
  } catch {
    // no script path (an embedded entry point)
  }
  return found;
}

/**
 * A Node script that requires a relative path (dist/agent/main.js as tsc builds it) runs only
 * beside the rest of dist/: copied alone to /usr/bin it fails at its first line. The path it
 * requires, or undefined for anything else (the single executable, or a script of its own).
 */
function loadedNeighbour(content: Buffer): string | undefined {
  if (content.subarray(0, 2).toString('latin1') !== '#!') return undefined;
  const head = content.subarray(0, 64 * 1024).toString('utf8');
  if (!/^#!.*\bnode\b/.test(head)) return undefined;
  return /\brequire\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/.exec(head)?.[1];
}

async function readAgent(flag: string | undefined): Promise<Buffer> {
  const candidates = agentCandidates();
  const file = flag ?? (await firstFile(candidates));
  if (file === undefined) {
    throw new OptionError(
      `no agent executable beside lvsctl (looked for ${candidates.join(', ') || 'lvsctl-agent'}): pass --agent-binary FILE, ` +
        'the single-file lvsctl-agent that `npm run package` builds (or /usr/bin/lvsctl-agent where the package is installed)',
      EXIT.invalid,
    );
  }
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) throw new OptionError(`--agent-binary ${file}: not a file`, EXIT.invalid);
    if ((stat.mode & 0o111) === 0) throw new OptionError(`--agent-binary ${file}: not executable (chmod +x it, or give the packaged lvsctl-agent)`, EXIT.invalid);
    const content = await fs.readFile(file);
    const loadsNeighbours = loadedNeighbour(content);
    if (loadsNeighbours !== undefined) {
      throw new OptionError(
        `--agent-binary ${file}: a script that loads files beside it (require("${loadsNeighbours}")), which the host will not have: ` +
          'give the single-file lvsctl-agent that `npm run package` builds (dist/release/linux-x64/lvsctl-agent)',
        EXIT.invalid,
      );
    }
    return content;
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new OptionError(`--agent-binary ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, EXIT.invalid);
  }
}

async function readUnit(flag: string | undefined): Promise<string> {
  // the single executable: the unit npm run package puts beside it; dist/controller/cli → the
  // checkout's packaging/; else where the package put it
  const beside = /^node(\.exe)?$/.test(basename(process.execPath)) ? [] : [join(dirname(process.execPath), 'lvsctl-agent.service')];
  const candidates = [...beside, join(__dirname, '..', '..', '..', 'packaging', 'lvsctl-agent.service'), '/usr/lib/systemd/system/lvsctl-agent.service', '/lib/systemd/system/lvsctl-agent.service'];
  const file = flag ?? (await firstFile(candidates));
  if (file === undefined) throw new OptionError(`no systemd unit found (looked for ${candidates.join(', ')}): pass --unit FILE, the project's packaging/lvsctl-agent.service or the one the lvsctl .deb installs`, EXIT.invalid);
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new OptionError(`--unit ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, EXIT.invalid);
  }
}

/**
 * DIR/crl.pem written for a CA dir that has none (made before `certs init` wrote one): every
 * agent then starts with --crl, so a later `certs revoke` takes effect with a reload. Without
 * ca.key to sign it the agents go without, and the operator is told.
 */
async function firstCrl(caDir: string, stderr: { write(text: string): unknown }): Promise<Buffer | undefined> {
  try {
    const written = await writeCrlOfCertDir(caDir, new Date());
    stderr.write(`wrote ${written.crl} (${written.revoked} certificate(s) revoked): the agents get it as --crl, so a later lvsctl certs revoke takes effect on a reload\n`);
    return await fs.readFile(written.crl);
  } catch (err) {
    stderr.write(`warning: ${caDir} has no ${CRL_FILE} and none could be written (${(err as Error).message}): the agents start without --crl, and a revoked certificate stays good to them until they have one\n`);
    return undefined;
  }
}

/** With --check, what firstCrl would write, so the check shows the crl copy and --crl a run adds. */
async function crlWouldBe(caDir: string, stderr: { write(text: string): unknown }): Promise<Buffer | undefined> {
  try {
    const pem = Buffer.from(await crlOfCertDir(caDir, new Date()));
    stderr.write(`would write ${join(caDir, CRL_FILE)}: the agents would get it as --crl\n`);
    return pem;
  } catch (err) {
    stderr.write(`warning: ${caDir} has no ${CRL_FILE} and none could be made (${(err as Error).message}): the agents would start without --crl\n`);
    return undefined;
  }
}

async function readOptional(file: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new OptionError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, EXIT.invalid);
  }
}

/** --allow, else the common name of the controller's certificate: the agents then serve this controller only. */
function allowList(flag: string | undefined, certPem: Buffer | undefined, certFile: string | undefined): string[] {
  if (flag !== undefined) return parseLimit([flag]);
  if (!certPem) return [];
  try {
    const cn = /(?:^|\n)CN=([^\n]+)/.exec(new X509Certificate(certPem).subject)?.[1];
    return cn ? [cn] : [];
  } catch {
    throw new OptionError(`--cert ${certFile}: not a PEM certificate`, EXIT.invalid);
  }
}

/** The connector --check uses: the command's own, or, when it cannot be made, one that says why at each use. */
function checkConnector(make: () => AgentConnector): AgentConnector {
  try {
    return make();
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return () => { throw new Error(`--check cannot ask the agent: ${why}`); };
  }
}

export async function runBootstrapCommand(planPath: string, flags: BootstrapFlags, io: Io): Promise<number> {
  const check = flags.check === true;
  const read = parallelOf(flags.parallel);
  if (!read.ok) throw new OptionError(read.message, EXIT.invalid);
  const parallel = read.parallel;
  const timeoutMs = parseDurationMs('--timeout', flags.timeout, MAX_DURATION_MS);
  const caFile = flags.ca ?? (io.env.LVSCTL_CA || undefined);
  const caDir = flags.caDir ?? (caFile !== undefined ? dirname(caFile) : undefined);
  if (caDir === undefined) throw new OptionError('bootstrap needs the CA directory (lvsctl certs init DIR): pass --ca-dir DIR, or --ca DIR/ca.crt', EXIT.invalid);
  const hostDeadlineMs = parseDurationMs('--host-deadline', flags.hostDeadline ?? DEFAULT_HOST_DEADLINE, MAX_DURATION_MS);
  if (flags.insecure) {
    throw new OptionError('bootstrap installs agents with mutual TLS only (it issues their certificates and writes --allow): --insecure is for agents started by hand in a lab; drop it', EXIT.invalid);
  }
  const deadlineAt = flags.deadline === undefined ? undefined : Date.now() + parseDurationMs('--deadline', flags.deadline, MAX_DURATION_MS);

  const fleet = await fleetPlanOrRefusal('bootstrap', planPath, { ...(flags.sshConfig !== undefined ? { sshConfig: flags.sshConfig } : {}), json: flags.json === true },
    { loadPlanFile, resolveAddresses, stderr: io.stderr, stdout: io.stdout });
  if ('exitCode' in fleet) return fleet.exitCode;
  let limit: string[] | undefined;
  try {
    limit = checkedLimit(flags.limit, fleet.targets.map((t) => t.host), planPath);
  } catch (err) {
    // --json: the one document on stdout says it too, as rollout's does
    if (flags.json) io.stdout.write(invalidPlanJson('bootstrap', planPath, [{ pointer: '', message: (err as Error).message }], EXIT.invalid));
    throw new CliError((err as Error).message, EXIT.invalid);
  }
  const targets = fleet.targets.filter((t) => !limit || limit.includes(t.host));

  // Everything local is read and checked before the first ssh call: nothing half applied for a typo.
  const unitText = await readUnit(flags.unit);
  let agentPath: string;
  let stopTimeoutMs: number | undefined;
  try {
    agentPath = agentPathFromUnit(unitText);
    stopTimeoutMs = stopTimeoutMsFromUnit(unitText);
  } catch (err) {
    throw new OptionError(`the unit ${flags.unit ?? ''}: ${(err as Error).message}`.replace('unit : ', 'unit: '), EXIT.invalid);
  }
  const agent = await readAgent(flags.agentBinary);
  const caCert = await readOptional(join(caDir, 'ca.crt'));
  if (!caCert) throw new OptionError(`--ca-dir ${caDir}: no ca.crt; create the CA with \`lvsctl certs init ${caDir}\``, EXIT.invalid);
  const crl = await readOptional(join(caDir, CRL_FILE)) ?? await (check ? crlWouldBe(caDir, io.stderr) : firstCrl(caDir, io.stderr));
  const certFile = flags.cert ?? (io.env.LVSCTL_CERT || undefined);
  // every Hello ends by --deadline too, not only by --timeout; and no word of an agent's
  // certificate ending soon: bootstrap is what renews it, and the old one shows until the reload
  const commandDeadline = deadlineAt === undefined ? undefined : { at: deadlineAt, text: `the command's deadline (--deadline ${flags.deadline ?? ''})` };
  const makeConnector = (): AgentConnector =>
    connectorFromOptions({ withoutInsecure: true, ca: caFile ?? join(caDir, 'ca.crt'), ...(flags.cert !== undefined ? { cert: flags.cert } : {}), ...(flags.key !== undefined ? { key: flags.key } : {}), timeout: flags.timeout }, commandDeadline, io.env, undefined, { agentCertificateWarnings: false });
  // --check asks a running agent only which certificate it presents; without the controller's
  // own certificate it cannot, and says so for the hosts where it would have asked
  const connector = check ? checkConnector(makeConnector) : makeConnector();
  const allow = allowList(flags.allow, certFile ? await readOptional(certFile) : undefined, certFile);
  const badName = allow.find((name) => !CERT_NAME_PATTERN.test(name));
  if (badName !== undefined) throw new OptionError(`--allow: ${JSON.stringify(badName)} is no certificate name (1-63 letters, digits, ".", "_" or "-"), e.g. --allow controller`, EXIT.invalid);

  // ssh gets the plan's address as HostName only when the ssh config names none for the host
  const sshConfigPath = flags.sshConfig ?? join(homedir(), '.ssh', 'config');
  const sshNames = await readSshHostNames(sshConfigPath, flags.sshConfig !== undefined);
  if (sshNames.problem) throw new OptionError(`${sshNames.problem.message} (${sshNames.problem.hint ?? 'check --ssh-config'})`, EXIT.invalid);
  const hosts = targets.map((t) => ({
    host: t.host, role: t.role, address: t.address, port: t.port,
    ssh: { alias: t.host, ...(sshNames.hostNames?.(t.host) === undefined ? { hostName: t.address } : {}) },
    // the role's options, then the host's own over them key by key
    agentOptions: { ...fleet.plan.agent[t.role], ...fleet.plan.hosts[t.host]?.agentOptions },
  }));

  const progress = (host: string, line: string): void => {
    if (!flags.json) io.stdout.write(`${host}  ${line}\n`);
  };
  const outcomes = await runBootstrap(
    {
      hosts, parallel, hostDeadlineMs, ...(deadlineAt !== undefined ? { deadlineAt } : {}),
      shared: {
        cluster: fleet.plan.cluster, caDir: caDir, agent, agentPath, unitText, caCert, ...(crl ? { crl } : {}), allow,
        check, sudo: flags.sudo === true, timeoutMs, helloWithinMs: HELLO_WITHIN_MS, ...(stopTimeoutMs !== undefined ? { stopTimeoutMs } : {}),
      },
    },
    {
      ssh: openSshRunner({ ...(flags.sshConfig !== undefined ? { configFile: flags.sshConfig } : {}), connectTimeoutMs: timeoutMs }),
      connector,
      now: () => new Date(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      progress,
    },
  );
  const exitCode = bootstrapExitCode(outcomes);
  if (flags.json) {
    io.stdout.write(`${JSON.stringify({ command: 'bootstrap', plan: planPath, check, hosts: outcomes, exitCode }, null, 2)}\n`);
  } else {
    io.stdout.write(`${recapLines(outcomes, check).join('\n')}\n`);
  }
  return exitCode;
}
