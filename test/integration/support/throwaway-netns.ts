// A network namespace of the test's own (unshare --net), and an Exec that runs a tool inside
// it (nsenter), so the agent's real iptables code works on that namespace's netfilter and
// never on this machine's. The namespace is held by an open descriptor of its /proc file,
// not by a PID that could be reused: nsenter always enters that namespace or fails.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readlinkSync } from 'node:fs';
import { createExec, type Exec } from '../../../agent/kernel/exec';

export interface ThrowawayNetns {
  /** runs FILE ARGS inside the namespace */
  exec: Exec;
  /** the namespace goes with its last reference: this descriptor */
  close(): void;
}

export type NetnsOpening = { ok: true; netns: ThrowawayNetns } | { ok: false; why: string };

const START_WAIT_MS = 5_000;

export async function openThrowawayNetns(): Promise<NetnsOpening> {
  const ours = readlinkSync('/proc/self/ns/net');
  let stderr = '';
  let exited: string | undefined;
  let holder;
  try {
    // unshare execs sleep in its own process once the namespace exists.
    holder = spawn('unshare', ['--net', '--', 'sleep', '60'], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    return { ok: false, why: `cannot start unshare: ${String(error)}` };
  }
  holder.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  holder.on('error', (error) => (exited = `cannot start unshare: ${error.message}`));
  holder.on('exit', (code, signal) => (exited ??= `unshare --net exited (${signal ?? code})`));
  try {
    const deadline = Date.now() + START_WAIT_MS;
    while (Date.now() < deadline) {
      if (exited !== undefined) return { ok: false, why: `${exited}: ${stderr.trim() || 'no message'}` };
      const pid = holder.pid;
      let theirs: string | undefined;
      try {
        theirs = pid === undefined ? undefined : readlinkSync(`/proc/${pid}/ns/net`);
      } catch {
        theirs = undefined;
      }
      if (theirs !== undefined && theirs !== ours) {
        const fd = openSync(`/proc/${pid}/ns/net`, 'r');
        if (readlinkSync(`/proc/self/fd/${fd}`) !== theirs) {
          closeSync(fd);
          return { ok: false, why: 'the namespace changed while it was being opened' };
        }
        return { ok: true, netns: inside(fd) };
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return { ok: false, why: `unshare --net made no namespace within ${START_WAIT_MS} ms` };
  } finally {
    if (exited === undefined) holder.kill('SIGKILL');
  }
}

function inside(fd: number): ThrowawayNetns {
  const run = createExec();
  const path = `/proc/${process.pid}/fd/${fd}`;
  return {
    exec: (file, args, options) => run('nsenter', [`--net=${path}`, '--', file, ...args], options),
    close: () => closeSync(fd),
  };
}
