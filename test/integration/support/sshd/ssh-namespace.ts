// A real sshd for the bootstrap test, in namespaces of its own (net, mount, pid): it serves on
// a 10.x address that exists only there, with a throwaway host key and a throwaway client key,
// and whatever bootstrap writes to /etc, /usr and /var lands in overlays under the test's
// directory. The target has no systemd: `systemctl` there is test/.../sshd/systemctl, first on
// the PATH sshd gives its sessions (SetEnv), which records the calls and runs the unit's ExecStart.
// lvsctl runs inside the same network namespace (nsenter --net), so no packet leaves it.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
// dist/test/integration/support/sshd → the repository's copy of the scripts
const REPO = join(__dirname, '..', '..', '..', '..', '..');
const SCRIPTS = join(REPO, 'test', 'integration', 'support', 'sshd');
const LVSCTL = join(REPO, 'dist', 'controller', 'cli', 'main.js');

export const SSHD = '/usr/sbin/sshd';

/** Why this machine cannot run the test, or undefined when it can. */
export function missingCapability(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root (unshare --net --mount and an sshd need root)';
  for (const tool of [SSHD, '/usr/bin/ssh', '/usr/bin/ssh-keygen', '/usr/bin/unshare', '/usr/bin/nsenter']) {
    if (!existsSync(tool)) return `${tool} missing (scripts/install-deps.sh installs openssh-server)`;
  }
  return undefined;
}

export interface LvsctlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export class SshNamespace {
  private constructor(readonly dir: string, readonly address: string, private readonly child: ChildProcess, private readonly pid1: number) {}

  static async start(address: string): Promise<SshNamespace> {
    const dir = mkdtempSync(join(tmpdir(), 'lvsctl-bootstrap-'));
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'client_key')]);
    // sshd reads authorized_keys as the user logging in: lvsctltest must reach it
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')), { mode: 0o644 });
    writeFileSync(join(dir, 'known_hosts'), `${address} ${readFileSync(join(dir, 'host_key.pub'), 'utf8')}`);
    const fake = join(dir, 'systemd');
    mkdirSync(fake);
    writeFileSync(join(dir, 'sshd_config'), [
      `ListenAddress ${address}`,
      `HostKey ${join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      `SetEnv PATH=${SCRIPTS}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin FAKE_SYSTEMCTL_DIR=${fake}`,
      '',
    ].join('\n'));
    const child = spawn('unshare', ['--net', '--mount', '--propagation', 'private', '--pid', '--fork', '--kill-child', '--', join(SCRIPTS, 'namespace.sh'), dir, address], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const until = Date.now() + 10_000;
    let pid1: number | undefined;
    while (Date.now() < until) {
      if (child.exitCode !== null) throw new Error(`the namespace ended at once (exit ${child.exitCode}): ${stderr}`);
      const children = child.pid ? readChildren(child.pid) : [];
      if (children.length > 0 && existsSync(join(dir, 'namespace-ready')) && /Server listening/.test(stderr)) {
        pid1 = children[0];
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    if (pid1 === undefined) {
      child.kill('SIGKILL');
      throw new Error(`sshd did not listen on ${address} within 10 s: ${stderr}`);
    }
    return new SshNamespace(dir, address, child, pid1);
  }

  /** An ssh config (given to lvsctl as --ssh-config, to ssh as -F) for these hosts. */
  sshConfig(hosts: Record<string, { user: string; hostName?: string }>): string {
    const file = join(this.dir, 'ssh_config');
    writeFileSync(file, Object.entries(hosts).map(([host, h]) => [
      `Host ${host}`,
      ...(h.hostName ? [`  HostName ${h.hostName}`] : []),
      `  User ${h.user}`,
      `  IdentityFile ${join(this.dir, 'client_key')}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${join(this.dir, 'known_hosts')}`,
      '  StrictHostKeyChecking yes',
      '  LogLevel ERROR',
      '',
    ].join('\n')).join('\n'));
    return file;
  }

  /** Runs the built lvsctl in the namespace's network, with a home of its own (no ~/.ssh of this machine). */
  lvsctl(args: readonly string[], killAfterMs = 90_000): Promise<LvsctlResult> {
    return new Promise((resolve, reject) => {
      const home = join(this.dir, 'home');
      mkdirSync(home, { recursive: true });
      const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('LVSCTL_')));
      const child = spawn('nsenter', [`--net=/proc/${this.pid1}/ns/net`, '--', process.execPath, LVSCTL, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, HOME: home, NO_COLOR: '1' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      child.on('error', (err) => { clearTimeout(killer); reject(err); });
      child.on('exit', (code) => { clearTimeout(killer); resolve({ code, stdout, stderr }); });
    });
  }

  /** A file bootstrap wrote on the target, e.g. "etc/lvsctl/web1.key" (from the overlay's upper layer). */
  written(path: string): string {
    const [top, ...rest] = path.split('/');
    return join(this.dir, 'overlay', `${top}-upper`, ...rest);
  }

  /** The fake systemctl's calls, one a line ("is-enabled lvsctl-agent", "enable lvsctl-agent", …). */
  systemctlCalls(): string[] {
    const file = join(this.dir, 'systemd', 'calls');
    return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l !== '') : [];
  }

  /** Whether the fake systemctl's reload does nothing (a reload that does not take), from now on. */
  ignoreReloads(ignore: boolean): void {
    const marker = join(this.dir, 'systemd', 'reload-ignored');
    if (ignore) writeFileSync(marker, '');
    else rmSync(marker, { force: true });
  }

  /** The pid the fake systemctl started the agent with (it changes at each start and restart). */
  agentPid(): string {
    const file = join(this.dir, 'systemd', 'pid');
    return existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  }

  agentLog(): string {
    const file = join(this.dir, 'systemd', 'agent.log');
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  async stop(): Promise<void> {
    // unshare --fork blocks SIGTERM while it waits, so SIGKILL; --kill-child then kills its
    // pid 1, and with it every process of the namespace (sshd, the agent)
    if (this.child.exitCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGKILL');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function readChildren(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter((p) => p !== '').map(Number);
  } catch {
    return [];
  }
}
