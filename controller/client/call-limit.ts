// The bound of one call: --timeout for an answer, cut short by the command's deadline.
import type { CommandDeadline } from './command-deadline';

export interface CallLimit {
  /** epoch milliseconds, for grpc-js's deadline and our own timers */
  at: number;
  /** how a message names it: "within 2000 ms (--timeout)" */
  text: string;
  /** the command's deadline comes first */
  byCommand: boolean;
}

export function answerLimit(now: number, timeoutMs: number, command?: CommandDeadline): CallLimit {
  const byTimeout = now + timeoutMs;
  if (command && command.at < byTimeout) return { at: command.at, text: `before ${command.text}`, byCommand: true };
  return { at: byTimeout, text: `within ${timeoutMs} ms (--timeout)`, byCommand: false };
}

/** A whole stream (an apply) may run until the command's deadline, or `fallbackMs` without one. */
export function streamLimit(now: number, fallbackMs: number, command?: CommandDeadline): CallLimit {
  if (command) return { at: command.at, text: `before ${command.text}`, byCommand: true };
  return { at: now + fallbackMs, text: `within ${fallbackMs} ms`, byCommand: false };
}

/** The command's deadline passed before this call's turn: it is not made at all. */
export function deadlinePassed(now: number, command?: CommandDeadline): boolean {
  return command !== undefined && now >= command.at;
}
