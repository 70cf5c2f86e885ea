// Where a fan-out run's CPU went, read from /proc around it: the controller's (this process's
// reaped children, so only the `lvsctl` it waited for), the agents' (every thread's on-CPU
// time) and how idle the machine stayed. The agents share this machine's cores with the
// controller, so a wall time with the machine hardly idle is bounded by the CPU of all of
// them, not by what the controller waits for.
import { readdirSync, readFileSync } from 'node:fs';

/** /proc's clock ticks per second (USER_HZ: 100 on Linux, whatever the kernel's HZ). */
const USER_HZ = 100;

export interface CpuSnapshot {
  /** this process's reaped children, user + system, ms */
  childrenMs: number;
  /** the agents' threads on a CPU, ms */
  agentsMs: number;
  /** the machine's busy and idle time (every CPU), ticks */
  machineBusy: number;
  machineIdle: number;
}

export interface CpuShare {
  controllerMs: number;
  agentsMs: number;
  /** of the machine's time in the window, 0..1 */
  machineIdle: number;
}

/** cutime + cstime of a /proc/PID/stat line, ms (its command may hold spaces and parentheses). */
export function childrenCpuMs(statLine: string): number {
  const rest = statLine.slice(statLine.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state): cutime and cstime are fields 16 and 17
  const cutime = Number(rest[13]);
  const cstime = Number(rest[14]);
  if (!Number.isFinite(cutime) || !Number.isFinite(cstime)) throw new Error(`not a /proc/PID/stat line: ${statLine.slice(0, 120)}`);
  return ((cutime + cstime) * 1000) / USER_HZ;
}

/** The first field of /proc/PID/task/TID/schedstat: ns spent on a CPU. */
export function schedstatOnCpuNs(text: string): number {
  const ns = Number(text.trim().split(/\s+/)[0]);
  if (!Number.isFinite(ns)) throw new Error(`not a schedstat line: ${text.slice(0, 80)}`);
  return ns;
}

/** The "cpu" line of /proc/stat: busy (user, nice, system, irq, softirq, steal) and idle (idle, iowait) ticks. */
export function machineTicks(procStat: string): { busy: number; idle: number } {
  const line = procStat.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('/proc/stat has no "cpu" line');
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  const n = (v: number | undefined): number => (Number.isFinite(v) ? (v as number) : 0);
  return { busy: n(user) + n(nice) + n(system) + n(irq) + n(softirq) + n(steal), idle: n(idle) + n(iowait) };
}

/** An agent that exited counts what it had; a thread that ended between listing and reading counts nothing. */
function processOnCpuMs(pid: number): number {
  let ns = 0;
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0;
  }
  for (const tid of tasks) {
    try {
      ns += schedstatOnCpuNs(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8'));
    } catch {
      // gone meanwhile
    }
  }
  return ns / 1e6;
}

export function cpuSnapshot(agentPids: readonly number[]): CpuSnapshot {
  const machine = machineTicks(readFileSync('/proc/stat', 'utf8'));
  return {
    childrenMs: childrenCpuMs(readFileSync('/proc/self/stat', 'utf8')),
    agentsMs: agentPids.reduce((sum, pid) => sum + processOnCpuMs(pid), 0),
    machineBusy: machine.busy,
    machineIdle: machine.idle,
  };
}

export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): CpuShare {
  const busy = after.machineBusy - before.machineBusy;
  const idle = after.machineIdle - before.machineIdle;
  return {
    controllerMs: after.childrenMs - before.childrenMs,
    agentsMs: after.agentsMs - before.agentsMs,
    machineIdle: busy + idle > 0 ? idle / (busy + idle) : 0,
  };
}
