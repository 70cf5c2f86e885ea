// keepalived's MISC_CHECK: run a command on the director, healthy when it exits 0. No
// shell: the command and its arguments go to spawn as they are, with "{address}" and
// "{port}" replaced. Bounded in time (the check's timeout kills the command's whole
// process group, so a grandchild holding the pipes cannot keep it alive) and in output
// (more than MAX_EXEC_OUTPUT_BYTES, stdout and stderr together, fails the check and kills
// the group). Only commands inside the agent's
// --exec-checks directory run: a plan cannot make the agent run anything else.
import { spawn, type ChildProcess } from 'node:child_process';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { MAX_EXEC_OUTPUT_BYTES, type ExecCheckOptions } from '../../../lvs/health/check-options';
import { tooBroadForChecks, tooBroadReason } from '../../../lvs/exec-check-directory';
import type { ProbeResult } from '../../../lvs/health/types';
import { settleOnce } from './settle';

export interface ExecProbeOptions extends ExecCheckOptions {
  address: string;
  port: number;
  timeoutMs: number;
  /** the agent's --exec-checks directory; absent = exec checks are off */
  allowedDir?: string;
}

export function expandArgs(args: readonly string[], address: string, port: number): string[] {
  return args.map((a) => a.replaceAll('{address}', address).replaceAll('{port}', String(port)));
}

/** The command's real path when it lies inside the allowed directory, else why not. */
async function allowedCommand(command: string, allowedDir: string | undefined): Promise<{ file: string } | { refused: string }> {
  if (!allowedDir) return { refused: 'exec checks are off on this agent: start lvsctl-agent with --exec-checks DIR and put the command in DIR' };
  try {
    const [file, dir] = await Promise.all([realpath(command), realpath(allowedDir)]);
    // where a symbolic link in it leads, now: a link to /usr/bin is /usr/bin (the path as written
    // is refused at start, agent-config.ts; the link at start too, and again here: a link can be moved)
    if (dir !== path.resolve(allowedDir) && tooBroadForChecks(dir)) return { refused: `the agent's --exec-checks directory ${allowedDir} resolves to ${dir}: ${tooBroadReason(dir)}` };
    if (!file.startsWith(dir + path.sep)) return { refused: `${command} is not inside the agent's --exec-checks directory ${allowedDir}` };
    return { file };
  } catch (err) {
    return { refused: `${command}: ${(err as Error).message}` };
  }
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return (lines[lines.length - 1] ?? '').slice(0, 200);
}

/** Why spawn refused to start the command, with the fix when it is a missing privilege. */
function spawnRefusal(err: NodeJS.ErrnoException, o: ExecProbeOptions): string {
  if (err.code === 'EACCES' && o.uid !== undefined) {
    // the switch to the user comes first: that user must be able to reach and run the command
    return `could not run it as uid ${o.uid} (${err.message}): that user cannot search a directory above the command, or run it ` +
      '(a check directory inside /etc/lvsctl, mode 0700, is one); keep check scripts in a directory every user may enter (e.g. /etc/lvsctl-checks, 0755) and the script 0755';
  }
  if (err.code !== 'EPERM' || (o.uid === undefined && o.gid === undefined)) return err.message;
  const as = [o.uid !== undefined ? `uid ${o.uid}` : '', o.gid !== undefined ? `gid ${o.gid}` : ''].filter(Boolean).join(' and ');
  return `could not run it as ${as} (${err.message}): the agent needs CAP_SETUID and CAP_SETGID for exec.uid/exec.gid (root, and those capabilities in its unit's CapabilityBoundingSet); or take exec.uid/exec.gid out of the plan`;
}

export function execCheck(o: ExecProbeOptions): Promise<ProbeResult> {
  const args = expandArgs(o.args, o.address, o.port);
  const where = `exec ${[o.command, ...args].join(' ')}`;
  let started: ChildProcess | undefined;
  return settleOnce(o.timeoutMs, () => `${where}: still running after ${o.timeoutMs} ms, killed`, (frame) => {
    const { finish, onSettle } = frame;
    // However the check ends (exit, timeout, too much output), nothing it started outlives it:
    // the group's id stays the command's pid while any member lives, so this reaches the
    // grandchildren even after the command itself has exited (ESRCH when none is left).
    // One that left the group (setsid) may still hold the pipes: the agent closes its ends,
    // so such an escapee never keeps a pipe of the agent open.
    onSettle(() => {
      if (started?.pid === undefined) return;
      try {
        process.kill(-started.pid, 'SIGKILL');
      } catch {
        // the group is gone already
      }
      started.stdout?.destroy();
      started.stderr?.destroy();
    });
    void allowedCommand(o.command, o.allowedDir).then((allowed) => {
      if ('refused' in allowed) return finish(false, `${where}: ${allowed.refused}`);
      // the deadline may pass while realpath waits for libuv's thread pool: then nothing is started
      if (frame.settled) return;
      let child: ChildProcess;
      try {
        // spawn, not execFile: execFile drops `detached`, so the command would share the
        // agent's process group and the deadline could not kill what it started
        child = spawn(allowed.file, args, {
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LVSCTL_CHECK_ADDRESS: o.address, LVSCTL_CHECK_PORT: String(o.port) },
          cwd: '/',
          ...(o.uid !== undefined ? { uid: o.uid } : {}),
          ...(o.gid !== undefined ? { gid: o.gid } : {}),
        });
      } catch (err) {
        // spawn throws, rather than emitting 'error', for what fails before the command runs:
        // EPERM from setuid/setgid above all. Uncaught here it would end the agent.
        return finish(false, `${where}: ${spawnRefusal(err as NodeJS.ErrnoException, o)}`);
      }
      started = child;
      const output: Buffer[] = [];
      let printed = 0;
      const collect = (chunk: Buffer): void => {
        printed += chunk.length;
        if (printed > MAX_EXEC_OUTPUT_BYTES) return finish(false, `${where}: printed more than ${MAX_EXEC_OUTPUT_BYTES} bytes, killed`);
        output.push(chunk);
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      child.on('error', (err) => finish(false, `${where}: ${spawnRefusal(err as NodeJS.ErrnoException, o)}`));
      // 'close' comes once the command has exited and every pipe is closed: a grandchild that
      // still holds one keeps the check running until the deadline kills the group
      child.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
        const said = lastLine(Buffer.concat(output).toString('utf8'));
        if (code === 0) return finish(true, `${where}: exit 0${said ? `: ${said}` : ''}`);
        if (code !== null) return finish(false, `${where}: exit ${code}${said ? `: ${said}` : ''}`);
        finish(false, `${where}: killed by ${signal ?? 'a signal'}`);
      });
    });
  });
}
