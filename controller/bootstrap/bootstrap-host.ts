// One host's bootstrap: its certificate, a probe of what it holds (checksums, modes, the
// service's state), the steps that differ, each run over ssh, then Hello. Every failure
// names the step and why; nothing here throws, so the other hosts go on.
import { X509Certificate } from 'node:crypto';
import type { PlanAgentOptions } from '../../lvs/agent-options';
import type { AgentConnector, AgentIdentity } from '../client/agent-client';
import { peerText } from '../client/call-failure';
import { hostCertificate, HostCertificateError } from './host-certificate';
import { planHostSteps, serviceRunning, stepDetail, stepName, unitReloads, type HostStep } from './host-steps';
import { hostFiles, type HostFilesInput, type RemoteFile } from './remote-files';
import { RestartGate, RestartHeld } from './restart-gate';
import { asRoot, installScript, parseProbe, probeScript, systemctlScript } from './remote-shell';
import { SSH_CONNECT_FAILED, SSH_OUTPUT_MAX_BYTES, type SshRunner, type SshTarget } from './ssh';

export interface BootstrapHostInput {
  host: string;
  role: 'director' | 'realserver';
  address: string;
  port: number;
  ssh: SshTarget;
  /** the plan's options for this host's agent (agent.ROLE, then its own agentOptions) */
  agentOptions?: PlanAgentOptions;
}

export interface BootstrapShared {
  cluster: string;
  caDir: string;
  agent: Buffer;
  agentPath: string;
  unitText: string;
  caCert: Buffer;
  crl?: Buffer;
  allow: readonly string[];
  check: boolean;
  sudo: boolean;
  /** each ssh call and each Hello is bounded by this (--timeout) */
  timeoutMs: number;
  /** the unit's stop timeout (stopTimeoutMsFromUnit): a restart may wait that long for an apply in flight, on top of timeoutMs; undefined = none */
  stopTimeoutMs?: number;
  /** how long the agent may take to answer Hello after it was (re)started */
  helloWithinMs: number;
}

export interface BootstrapDeps {
  ssh: SshRunner;
  connector: AgentConnector;
  now(): Date;
  sleep(ms: number): Promise<void>;
  /** one progress line for this host */
  progress(host: string, line: string): void;
}

export type HostStatus = 'ok' | 'changed' | 'failed' | 'unreachable';

export interface HostOutcome {
  host: string;
  status: HostStatus;
  /** what was done (or, with --check, what would be) */
  steps: string[];
  /** the certificate: issued now, would be issued, or present */
  certificate?: 'present' | 'issued' | 'would-issue';
  /** for failed and unreachable: the step and why */
  failure?: { step: string; reason: string };
  agent?: AgentIdentity;
}

/** a unit that lets the agent take for ever to stop: the restart is bounded by the host's deadline, and this */
const MAX_RESTART_WAIT_MS = 24 * 3_600_000;

/** A copy is slow for a 100 MB executable on a slow link: the per-call bound grows with size (1 MiB/s). */
function copyTimeoutMs(base: number, bytes: number): number {
  return base + Math.ceil(bytes / (1024 * 1024)) * 1000;
}

/** The host's last words on stderr, as printed: its control characters (a terminal escape) shown as "?" (peerText). */
function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return peerText(lines.slice(-2).join('; '));
}

/** Which deadline ended the host: its own (--host-deadline), or the command's (--deadline, the abort's reason). */
function deadlineOf(signal: AbortSignal): string {
  return signal.reason === '--deadline' ? 'the command\'s deadline (--deadline)' : 'the host\'s deadline (--host-deadline)';
}

function deadlinePassed(signal: AbortSignal): string {
  return `${deadlineOf(signal)} passed`;
}

class StepFailed extends Error {
  constructor(readonly step: string, reason: string, readonly unreachable = false) {
    super(reason);
  }
}

/** A host whose deadline passed before its turn to restart: it says nothing of the new agent, so it holds no other host back. */
class WaitedPastDeadline extends StepFailed {}

/** The agent answered, presenting another certificate than the one its --cert file holds: it has not loaded that file. */
class PresentsOtherCertificate extends StepFailed {}

/** The certificate bootstrap installs for a host, and where: the running agent must present it. */
interface InstalledCertificate {
  path: string;
  sha256: string;
}

/** The step of an agent whose files are as planned but which presents another certificate. */
const RELOAD_FOR_CERTIFICATE = 'systemctl reload (the agent presented another certificate)';

/** What bootstrap last told the service, if anything: the Hello then waits, and a wrong certificate means another thing. */
type Told = 'started' | 'reloaded' | undefined;

/** The first bytes of a fingerprint are enough to tell two certificates apart in a message. */
function shortFingerprint(sha256: string): string {
  return `${sha256.slice(0, 23)}…`;
}

export async function bootstrapHost(
  input: BootstrapHostInput, shared: BootstrapShared, deps: BootstrapDeps, signal: AbortSignal, restarts = new RestartGate(),
): Promise<HostOutcome> {
  const done: string[] = [];
  let certificate: HostOutcome['certificate'];
  let installed: InstalledCertificate | undefined;
  const say = (line: string): void => deps.progress(input.host, line);
  const remote = async (step: string, script: string, stdin?: Buffer, timeoutMs = shared.timeoutMs): Promise<string> => {
    if (signal.aborted) throw new StepFailed(step, deadlinePassed(signal));
    let result;
    try {
      result = await deps.ssh.run(input.ssh, asRoot(script, shared.sudo), { ...(stdin ? { stdin } : {}), signal, timeoutMs });
    } catch (err) {
      // ssh got in and the host printed too much: a failure of the host, not "unreachable"
      if ((err as NodeJS.ErrnoException).code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
        throw new StepFailed(step, `the host printed more than ${SSH_OUTPUT_MAX_BYTES / (1024 * 1024)} MiB (a login script that prints endlessly? see ~/.bashrc or /etc/profile on ${input.host})`);
      }
      // at the probe, ssh that never returned means the host was not reached
      throw new StepFailed(step, err instanceof Error ? err.message : String(err), step === 'probe' && !signal.aborted);
    }
    if (result.code === 0) return result.stdout;
    const why = lastLine(result.stderr) || `exit code ${result.code}`;
    // 255 at the first call: ssh did not get in (no route, refused, key refused)
    throw new StepFailed(step, `${why}${result.code === SSH_CONNECT_FAILED ? '' : ` (exit code ${result.code})`}`, result.code === SSH_CONNECT_FAILED && step === 'probe');
  };

  // systemctl restart returns once the agent stopped, and an agent stops after the apply in
  // flight (TimeoutStopSec in the unit): that wait is no failure
  const restart = async (step: string): Promise<void> => {
    const stopMs = shared.stopTimeoutMs ?? MAX_RESTART_WAIT_MS;
    try {
      await remote(step, systemctlScript('restart'), undefined, shared.timeoutMs + stopMs);
    } catch (err) {
      if (!(err instanceof StepFailed) || signal.aborted) throw err;
      throw new StepFailed(step, `${err.message} (the agent stops only after the apply in flight, within the unit's stop timeout of ${Math.round(stopMs / 1000)} s; see systemctl status lvsctl-agent and journalctl -u lvsctl-agent on ${input.host})`);
    }
  };

  const restartInTurn = async (name: string): Promise<AgentIdentity> => {
    say(`waiting for its turn to restart (one host at a time${input.role === 'director' ? ', directors after every realserver' : ''})`);
    try {
      return await restarts.run(input.host, input.role, async () => {
        if (signal.aborted) throw new WaitedPastDeadline(name, `${deadlinePassed(signal)} while it waited for its turn to restart (one host at a time)`);
        await restart(name);
        done.push(name);
        say(name);
        return hello(input, shared, deps, signal, 'started', installed);
      }, (error) => (error instanceof WaitedPastDeadline ? undefined : error instanceof StepFailed ? error.step : 'internal'));
    } catch (error) {
      if (error instanceof RestartHeld) throw new StepFailed(name, error.message);
      throw error;
    }
  };

  try {
    if (signal.aborted) throw new StepFailed('certificate', deadlinePassed(signal));
    // 1. the certificate, from the CA directory
    let cert;
    try {
      cert = await hostCertificate(shared.caDir, input.host, input.address, deps.now(), shared.check, shared.allow);
    } catch (err) {
      if (err instanceof HostCertificateError) throw new StepFailed('certificate', err.message);
      throw err;
    }
    certificate = cert.kind;
    const installedSha256 = cert.kind === 'would-issue' ? undefined : new X509Certificate(cert.cert).fingerprint256;
    if (cert.kind === 'issued') {
      done.push(`issued ${cert.files.cert}`);
      say(`issued ${cert.files.cert} for ${input.address}`);
    }
    // 2. what the host must hold; with --check and no certificate yet, it cannot match
    const none = Buffer.alloc(0);
    const filesInput: HostFilesInput = {
      host: input.host, role: input.role, address: input.address, port: input.port, cluster: shared.cluster,
      agent: shared.agent, unitText: shared.unitText, caCert: shared.caCert,
      hostCert: cert.kind === 'would-issue' ? none : cert.cert, hostKey: cert.kind === 'would-issue' ? none : cert.key,
      ...(shared.crl ? { crl: shared.crl } : {}), allow: shared.allow,
      ...(input.agentOptions ? { options: input.agentOptions } : {}),
    };
    const files: RemoteFile[] = hostFiles(filesInput, shared.agentPath).map((f) =>
      cert.kind === 'would-issue' && (f.label === 'certificate' || f.label === 'key') ? { ...f, sha256: 'to be issued' } : f,
    );
    const certPath = files.find((f) => f.label === 'certificate')?.path;
    installed = installedSha256 !== undefined && certPath !== undefined ? { path: certPath, sha256: installedSha256 } : undefined;
    // 3. the probe: one ssh call
    const probe = parseProbe(await remote('probe', probeScript(files.map((f) => f.path))));
    if (probe.missingTools.length > 0) {
      throw new StepFailed('probe', `the host lacks ${probe.missingTools.join(', ')}: bootstrap needs a systemd host with coreutils`);
    }
    if (probe.uid !== 0) {
      throw new StepFailed('probe', `logged in as uid ${probe.uid ?? '?'}${shared.sudo ? ' even through sudo' : ''}; bootstrap writes /etc and runs systemctl: log in as root (User root in the ssh config) or pass --sudo`);
    }
    // 4. the steps that differ
    const steps: HostStep[] = planHostSteps(files, probe, { reloads: unitReloads(shared.unitText) });
    if (shared.check) {
      for (const step of steps) say(`would ${stepDetail(step)}`);
      const planned = steps.map(stepDetail);
      // files as planned and the agent running: whether it serves their certificate is one Hello away
      if (steps.length === 0 && serviceRunning(probe) && installed !== undefined) {
        try {
          await hello(input, shared, deps, signal, undefined, installed);
        } catch (err) {
          if (err instanceof PresentsOtherCertificate) {
            const step = unitReloads(shared.unitText) ? RELOAD_FOR_CERTIFICATE : 'systemctl restart (the agent presented another certificate)';
            planned.push(step);
            say(`would ${step}: ${err.message}`);
          } else {
            say(`could not ask the agent which certificate it presents: ${err instanceof Error ? err.message : String(err)}`);
          }
        }
      }
      return { host: input.host, status: planned.length > 0 || cert.kind === 'would-issue' ? 'changed' : 'ok', steps: [...done, ...planned], certificate };
    }
    for (const step of steps) {
      if (step.kind === 'restart') continue; // last, below: one host at a time
      const name = stepName(step);
      if (step.kind === 'copy') {
        await remote(name, installScript(step.file), step.file.content, copyTimeoutMs(shared.timeoutMs, step.file.content.length));
      } else {
        await remote(name, systemctlScript(step.kind));
      }
      done.push(stepDetail(step));
      say(stepDetail(step));
    }
    // 5. Hello: the agent answers with the role of the plan; a restart and its Hello take
    // their turn among the hosts (restart-gate.ts)
    const restartStep = steps.find((s) => s.kind === 'restart');
    const told: Told = steps.some((s) => s.kind === 'start') ? 'started' : steps.some((s) => s.kind === 'reload') ? 'reloaded' : undefined;
    const started = told !== undefined;
    let loadedCertificate = false;
    let agent: AgentIdentity;
    try {
      agent = restartStep ? await restartInTurn(stepName(restartStep)) : await hello(input, shared, deps, signal, told, installed);
    } catch (err) {
      // Its files are right but the agent serves another certificate (replaced by hand, never
      // reloaded; or a reload that failed before): it loads them now, as a changed file would make it.
      if (!(err instanceof PresentsOtherCertificate) || restartStep || started) throw err;
      say(`${err.message}: loading it`);
      loadedCertificate = true;
      if (unitReloads(shared.unitText)) {
        await remote('systemctl reload', systemctlScript('reload'));
        done.push(RELOAD_FOR_CERTIFICATE);
        say('systemctl reload');
        agent = await hello(input, shared, deps, signal, 'reloaded', installed);
      } else {
        agent = await restartInTurn('systemctl restart');
      }
    }
    say(`agent answered: ${agent.role} ${agent.version}`);
    return { host: input.host, status: steps.length > 0 || cert.kind === 'issued' || loadedCertificate ? 'changed' : 'ok', steps: done, certificate, agent };
  } catch (err) {
    if (err instanceof StepFailed) {
      return { host: input.host, status: err.unreachable ? 'unreachable' : 'failed', steps: done, ...(certificate ? { certificate } : {}), failure: { step: err.step, reason: err.message } };
    }
    return { host: input.host, status: 'failed', steps: done, failure: { step: 'internal', reason: err instanceof Error ? err.message : String(err) } };
  }
}

/**
 * Asks Hello until the agent answers (a started agent needs a moment to listen), within
 * helloWithinMs; and, where bootstrap holds the host's certificate, until the agent presents
 * it (a reload takes effect a moment after systemctl returns, on new connections).
 */
async function hello(
  input: BootstrapHostInput, shared: BootstrapShared, deps: BootstrapDeps, signal: AbortSignal, told: Told, installed?: InstalledCertificate,
): Promise<AgentIdentity> {
  const started = told !== undefined;
  const askedFrom = Date.now();
  const until = askedFrom + (started ? shared.helloWithinMs : 0);
  // what the messages say: the time since the service was told, as it passed (a Hello may end past `until`)
  const secondsSince = (): number => Math.round((Date.now() - askedFrom) / 1000);
  let last = '';
  let otherCertificate = false;
  /** `inFlight`: the deadline ended a Hello still waiting, so `last` is the try before's */
  const unanswered = (inFlight: boolean): StepFailed => {
    const what = inFlight ? `its Hello was still unanswered${last ? ` (the try before: ${last})` : ''}` : last;
    return new StepFailed('hello', `no answer before ${deadlineOf(signal)}: ${what}${started ? ` (the service was started ${secondsSince()} s ago; see journalctl -u lvsctl-agent on ${input.host})` : ''}`);
  };
  for (;;) {
    if (signal.aborted) throw unanswered(false);
    const client = deps.connector({ host: input.host, address: input.address, port: input.port });
    // the host's deadline ends a Hello in flight too (closing the client cancels it), not only the next try
    const cancel = (): void => client.close();
    signal.addEventListener('abort', cancel, { once: true });
    try {
      const identity = await client.hello();
      if (identity.role !== input.role) {
        throw new StepFailed('hello', `the agent at ${input.address}:${input.port} runs as ${identity.role}, the plan makes ${input.host} a ${input.role}`);
      }
      const presented = identity.certificateSha256;
      if (installed === undefined || presented === undefined || presented === installed.sha256) return identity;
      otherCertificate = true;
      last = `the agent at ${input.address}:${input.port} presents the certificate SHA-256 ${shortFingerprint(presented)}, not ${installed.path} (SHA-256 ${shortFingerprint(installed.sha256)})`;
    } catch (err) {
      if (err instanceof StepFailed) throw err;
      if (signal.aborted) throw unanswered(true);
      otherCertificate = false;
      last = err instanceof Error ? err.message : String(err);
    } finally {
      signal.removeEventListener('abort', cancel);
      client.close();
    }
    if (Date.now() >= until) {
      if (otherCertificate && !started) throw new PresentsOtherCertificate('hello', last);
      if (otherCertificate && told === 'reloaded') {
        throw new StepFailed('hello', `${last} ${secondsSince()} s after it was told to load it: its log says why (\`reload failed\` keeps the previous certificate): journalctl -u lvsctl-agent on ${input.host}; the new files are in place, so \`systemctl restart lvsctl-agent\` there loads them`);
      }
      if (otherCertificate) {
        // an agent just started from these files presents their certificate: what answers is another process
        throw new StepFailed('hello', `${last}, though the service was just started with it: another process answers on port ${input.port} there (an agent started by hand, or one that did not stop): \`ss -ltnp 'sport = :${input.port}'\` on ${input.host} shows which`);
      }
      throw new StepFailed('hello', `${last}${started ? ` (the service was started ${secondsSince()} s ago; see journalctl -u lvsctl-agent on ${input.host})` : ''}`);
    }
    await sleepUnlessAborted(deps.sleep, 500, signal);
  }
}

/** deps.sleep, ended early by the signal. */
async function sleepUnlessAborted(sleep: (ms: number) => Promise<void>, ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  let wake = (): void => undefined;
  const aborted = new Promise<void>((resolve) => {
    wake = resolve;
    signal.addEventListener('abort', wake, { once: true });
  });
  try {
    await Promise.race([sleep(ms), aborted]);
  } finally {
    signal.removeEventListener('abort', wake);
  }
}

