// The OpenSSH client, by execFile with an argument array: one call per remote command, the
// file contents on stdin, BatchMode (a password prompt would hang), bounded in time.
import { execFile } from 'node:child_process';

export interface SshTarget {
  /** the plan's host name: ssh reads its `Host` entry (User, Port, IdentityFile, HostName) */
  alias: string;
  /** given to ssh as HostName when the ssh config names none for the alias (the plan's address) */
  hostName?: string;
}

export interface SshResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface SshRunner {
  run(target: SshTarget, script: string, options: { stdin?: Buffer; signal?: AbortSignal; timeoutMs: number }): Promise<SshResult>;
}

/** ssh exits 255 when it could not connect or authenticate (or the remote command did). */
export const SSH_CONNECT_FAILED = 255;
/** the most a remote command's stdout or stderr may print: more fails the step */
export const SSH_OUTPUT_MAX_BYTES = 4 * 1024 * 1024;

export function sshArgs(target: SshTarget, script: string, opts: { configFile?: string; connectTimeoutS: number }): string[] {
  return [
    ...(opts.configFile !== undefined ? ['-F', opts.configFile] : []),
    '-o', 'BatchMode=yes',
    '-o', `ConnectTimeout=${opts.connectTimeoutS}`,
    '-o', 'ServerAliveInterval=10',
    ...(target.hostName !== undefined ? ['-o', `HostName=${target.hostName}`] : []),
    '-T',
    '--', target.alias, script,
  ];
}

export function openSshRunner(opts: { configFile?: string; connectTimeoutMs: number; sshPath?: string }): SshRunner {
  return {
    run: (target, script, { stdin, signal, timeoutMs }) =>
      new Promise((resolve, reject) => {
        const args = sshArgs(target, script, { ...(opts.configFile !== undefined ? { configFile: opts.configFile } : {}), connectTimeoutS: Math.max(1, Math.ceil(opts.connectTimeoutMs / 1000)) });
        const child = execFile(
          opts.sshPath ?? 'ssh', args,
          { encoding: 'utf8', maxBuffer: SSH_OUTPUT_MAX_BYTES, timeout: timeoutMs, killSignal: 'SIGKILL', ...(signal ? { signal } : {}) },
          (err, stdout, stderr) => {
            if (err && typeof (err as NodeJS.ErrnoException).code === 'string') {
              const code = (err as NodeJS.ErrnoException).code;
              if (code === 'ENOENT') return reject(new Error('no ssh client: install openssh-client (ssh must be on PATH)'));
              if (code === 'ABORT_ERR') return reject(new Error('stopped: the host\'s deadline passed'));
              return reject(err);
            }
            if (err && (err as { killed?: boolean }).killed) return reject(new Error(`ssh gave no result within ${Math.round(timeoutMs / 1000)} s`));
            const code = err ? Number((err as { code?: unknown }).code ?? 1) : 0;
            resolve({ code: Number.isInteger(code) ? code : 1, stdout, stderr });
          },
        );
        child.stdin?.on('error', () => undefined); // the remote side may end before reading all of it; the exit code says why
        child.stdin?.end(stdin ?? Buffer.alloc(0));
      }),
  };
}
