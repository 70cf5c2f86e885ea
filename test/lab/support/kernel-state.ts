// What a user would look at on the lab's hosts to see what a rollout did to the kernel:
// the IPVS table (`ipvsadm -S -n`), the mangle table, sysctls, the addresses on lo, kernel
// modules; and long-lived TCP connections through a VIP, to show a change did not cut them.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { inNetns, LAB_EXEC_TIMEOUT_MS, run } from './netns';

/**
 * The virtual services in /proc/PID/net/ip_vs, the table of the namespace process PID lives
 * in, as "TCP 10.0.0.100:80" or "FWM 1": a file read, no process started, so it can be polled
 * while a batch runs (IPv4 services only; this file shows addresses in hex).
 */
export async function procIpvsServices(pid: number): Promise<string[]> {
  const text = await readFile(`/proc/${pid}/net/ip_vs`, 'utf8');
  const services: string[] = [];
  for (const line of text.split('\n')) {
    const match = /^(TCP|UDP|SCTP)\s+([0-9A-F]{8}):([0-9A-F]{4})\s/.exec(line);
    if (match !== null) {
      const [, protocol, address, port] = match as unknown as [string, string, string, string];
      const octets = (address.match(/../g) ?? []).map((byte) => parseInt(byte, 16));
      services.push(`${protocol} ${octets.join('.')}:${parseInt(port, 16)}`);
    } else if (line.startsWith('FWM ')) {
      services.push(`FWM ${parseInt(line.split(/\s+/)[1] ?? '', 16)}`);
    }
  }
  return services;
}

/** `ipvsadm -S -n` in `ns`, as printed: the table a rollout changes. */
export async function ipvsSave(ns: string): Promise<string> {
  return (await inNetns(ns, 'ipvsadm', ['-S', '-n'])).stdout;
}

/**
 * `iptables-legacy-save -t mangle` in `ns` as printed, but for two things that change while
 * nobody touches the table: the "# Generated/Completed ... on <date>" lines (the clock) and
 * the chains' packet counters ("[52:5141]", zeroed to "[0:0]": every packet counts, the
 * rollout's own gRPC to the director's agent included). Chains, policies and rules stay
 * byte for byte.
 */
export async function mangleSave(ns: string): Promise<string> {
  const { stdout } = await inNetns(ns, 'iptables-legacy-save', ['-t', 'mangle']);
  return stdout
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .map((line) => (line.startsWith(':') ? line.replace(/\[\d+:\d+\]$/, '[0:0]') : line))
    .join('\n');
}

/** The value of one sysctl in `ns`, e.g. readSysctl('r1', 'net.ipv4.conf.all.arp_ignore') → "1". */
export async function readSysctl(ns: string, key: string): Promise<string> {
  return (await inNetns(ns, 'sysctl', ['-n', key])).stdout.trim();
}

/** The addresses on `device` in `ns` as "address/prefix", e.g. ["127.0.0.1/8", "10.0.0.100/32"]. */
export async function addressesOn(ns: string, device: string): Promise<string[]> {
  const { stdout } = await run('ip', ['-n', ns, '-j', 'addr', 'show', 'dev', device]);
  const links = JSON.parse(stdout) as Array<{ addr_info?: Array<{ local: string; prefixlen: number }> }>;
  return links.flatMap((link) => (link.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`));
}

/** Is kernel module `name` loaded (e.g. "ip_vs_mh")? Modules are global to the guest, not per namespace. */
export async function moduleLoaded(name: string): Promise<boolean> {
  const { stdout } = await run('cat', ['/proc/modules']);
  return stdout.split('\n').some((line) => line.split(' ')[0] === name);
}

export async function unloadModule(name: string): Promise<void> {
  await run('rmmod', [name]);
}

/** Load a module the way guest-init.sh does: from the UML package through /tmp/kmod, never the host's /lib/modules. */
export async function loadModule(name: string): Promise<void> {
  await run('modprobe', ['-d', '/tmp/kmod', name]);
}

// ---------------------------------------------------------------------------------------
// Long-lived connections. Both programs are passed to `node -e` as text with their
// parameters as argv: nothing is interpolated into them.

/** A TCP server that keeps every connection open and answers each line with "<answer> <line>". */
const ECHO_SERVER_PROGRAM = `
const net = require('node:net');
const [port, answer] = process.argv.slice(1);
const server = net.createServer((socket) => {
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk) => {
    buffered += chunk;
    let at;
    while ((at = buffered.indexOf('\\n')) >= 0) {
      const line = buffered.slice(0, at);
      buffered = buffered.slice(at + 1);
      socket.write(answer + ' ' + line + '\\n');
    }
  });
  socket.on('error', () => socket.destroy());
});
server.on('error', (error) => { process.stderr.write(error.message + '\\n'); process.exit(1); });
server.listen(Number(port), () => process.stdout.write('listening\\n'));
`;

/**
 * A client holding one TCP connection open: prints "connected <local port>", then sends
 * each line of its stdin over the connection and prints each line that comes back;
 * "closed <why>" when the connection ends.
 */
const HOLDER_PROGRAM = `
const net = require('node:net');
const readline = require('node:readline');
const [host, port] = process.argv.slice(1);
const socket = net.connect({ host, port: Number(port) });
let ended = false;
const end = (why) => { if (ended) return; ended = true; process.stdout.write('closed ' + why + '\\n'); process.exit(0); };
socket.setEncoding('utf8');
socket.setTimeout(0);
socket.on('connect', () => process.stdout.write('connected ' + socket.localPort + '\\n'));
readline.createInterface({ input: socket }).on('line', (line) => process.stdout.write(line + '\\n'));
socket.on('error', (error) => end(error.message));
socket.on('close', () => end('by the peer'));
readline.createInterface({ input: process.stdin }).on('line', (line) => socket.write(line + '\\n'));
process.stdin.on('end', () => socket.end());
`;

export interface DetachedProgram {
  ns: string;
  pid: number;
  stop(): Promise<void>;
}

/** An echo server on `port` in `ns` that keeps connections open (see ECHO_SERVER_PROGRAM). */
export async function startEchoServer(ns: string, port: number, answer: string): Promise<DetachedProgram> {
  const child = spawnInNetns(ns, ['-e', ECHO_SERVER_PROGRAM, String(port), answer]);
  const lines = lineReader(child, `echo server ${answer} in netns ${ns} on port ${port}`);
  const first = await lines.next(LAB_EXEC_TIMEOUT_MS);
  if (first !== 'listening') {
    child.kill('SIGKILL');
    throw new Error(`echo server ${answer} in netns ${ns} on port ${port}: "${first}" instead of "listening"`);
  }
  return detached(ns, child);
}

export interface HeldConnection {
  /** the client's port: the connection's entry in `ipvsadm -Lcn` has it */
  localPort: number;
  /** send one line, resolve with the answer line (e.g. "r1 ping"); rejects if the connection ended */
  exchange(text: string, timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
}

/** Open one TCP connection from `fromNs` to host:port and keep it open until close(). */
export async function holdConnection(fromNs: string, host: string, port: number): Promise<HeldConnection> {
  const child = spawnInNetns(fromNs, ['-e', HOLDER_PROGRAM, host, String(port)]);
  const what = `connection from netns ${fromNs} to ${host}:${port}`;
  const lines = lineReader(child, what);
  const first = await lines.next(LAB_EXEC_TIMEOUT_MS);
  const match = /^connected (\d+)$/.exec(first);
  if (match === null) {
    child.kill('SIGKILL');
    throw new Error(`${what}: did not connect: ${first}`);
  }
  const program = detached(fromNs, child);
  return {
    localPort: Number(match[1]),
    async exchange(text, timeoutMs = 10_000) {
      if (text.includes('\n')) throw new Error('exchange(text): one line, without a newline');
      child.stdin.write(`${text}\n`);
      const answer = await lines.next(timeoutMs);
      if (answer.startsWith('closed ')) throw new Error(`${what} ended: ${answer.slice('closed '.length)}`);
      return answer;
    },
    close: () => program.stop(),
  };
}

function spawnInNetns(ns: string, nodeArgs: readonly string[]): ChildProcessWithoutNullStreams {
  return spawn('ip', ['netns', 'exec', ns, process.execPath, ...nodeArgs], { stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Lines of a child's stdout, one at a time; a timeout or an exit rejects with its stderr. */
function lineReader(child: ChildProcessWithoutNullStreams, what: string): { next(timeoutMs: number): Promise<string> } {
  const queue: string[] = [];
  const waiting: Array<(line: string | null) => void> = [];
  let stderr = '';
  let exited = false;
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout }).on('line', (line) => {
    const waiter = waiting.shift();
    if (waiter) waiter(line);
    else queue.push(line);
  });
  child.once('exit', () => {
    exited = true;
    for (const waiter of waiting.splice(0)) waiter(null);
  });
  return {
    next(timeoutMs) {
      const ready = queue.shift();
      if (ready !== undefined) return Promise.resolve(ready);
      if (exited) return Promise.reject(new Error(`${what}: the program exited${stderr ? `: ${stderr.trim()}` : ''}`));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const at = waiting.indexOf(take);
          if (at >= 0) waiting.splice(at, 1);
          reject(new Error(`${what}: no line within ${timeoutMs} ms${stderr ? `: ${stderr.trim()}` : ''}`));
        }, timeoutMs);
        const take = (line: string | null): void => {
          clearTimeout(timer);
          if (line === null) reject(new Error(`${what}: the program exited${stderr ? `: ${stderr.trim()}` : ''}`));
          else resolve(line);
        };
        waiting.push(take);
      });
    },
  };
}

function detached(ns: string, child: ChildProcessWithoutNullStreams): DetachedProgram {
  const pid = child.pid;
  if (pid === undefined) throw new Error(`a program in netns ${ns} has no pid`);
  const exited = new Promise<void>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) done();
    else child.once('exit', () => done());
  });
  // It must not keep mocha alive (mocha runs with --exit anyway).
  child.unref();
  return {
    ns,
    pid,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

// ---------------------------------------------------------------------------------------
// The rollout's recap, as a user reads it.

export interface RecapLine {
  ok: number;
  changed: number;
  failed: number;
  unreachable: number;
  skipped: number;
}

/** The RECAP block of `lvsctl rollout` output: host → counters. Throws when there is none. */
export function recapOf(output: string): Map<string, RecapLine> {
  const at = output.lastIndexOf('RECAP ');
  if (at < 0) throw new Error(`no RECAP in the rollout output:\n${output}`);
  const recap = new Map<string, RecapLine>();
  const line = /^(\S+)\s*: ok=(\d+) changed=(\d+) failed=(\d+) unreachable=(\d+) skipped=(\d+)/;
  for (const text of output.slice(at).split('\n')) {
    const match = line.exec(text);
    if (match === null) continue;
    const [, host, ok, changed, failed, unreachable, skipped] = match as unknown as [string, string, string, string, string, string, string];
    recap.set(host, { ok: Number(ok), changed: Number(changed), failed: Number(failed), unreachable: Number(unreachable), skipped: Number(skipped) });
  }
  return recap;
}
