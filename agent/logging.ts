// The agent's logger: one JSON object a line on stdout (journald keeps it), with a
// timestamp. Callers log facts (host, generation, outcome), never key material.
// When stdout is the journal (JOURNAL_STREAM names it, as systemd sets it for a unit's
// stdout), each line starts with its sd-daemon priority, `<3>` for an error to `<7>` for
// debug: journald (SyslogLevelPrefix=, on by default) strips it and files the line at that
// priority, so `journalctl -p warning -u lvsctl-agent` shows the warnings and errors.
import { createLogger as createWinstonLogger, format, transports, type Logger } from 'winston';
import { LOG_LEVELS } from '../lvs/agent-options';
import { fdIsJournal, journalPriority } from './journal';
import { isClosedOutput } from '../lvs/closed-output';
import { errorMessage } from '../lvs/errors';

export { LOG_LEVELS };
export type LogLevel = (typeof LOG_LEVELS)[number];

const MESSAGE = Symbol.for('message');

/** Puts `<N>` before the finished line, N the level's priority. */
const journalPrefix = format((info) => {
  const priority = journalPriority(info.level);
  const line = (info as unknown as Record<symbol, unknown>)[MESSAGE];
  (info as unknown as Record<symbol, unknown>)[MESSAGE] = `<${priority}>${String(line)}`;
  return info;
});

export interface LoggerOptions {
  /** prefix lines with their journald priority; default: when stdout is the journal */
  journal?: boolean;
}

export function createLogger(level: LogLevel, stream: NodeJS.WritableStream = process.stdout, options: LoggerOptions = {}): Logger {
  const journal = options.journal ?? (stream === process.stdout && fdIsJournal(1));
  return createWinstonLogger({
    level,
    format: journal
      ? format.combine(format.timestamp(), format.json(), journalPrefix())
      : format.combine(format.timestamp(), format.json()),
    defaultMeta: { program: 'lvsctl-agent' },
    transports: [new transports.Stream({ stream })],
  });
}

/**
 * stdout failed under the agent (its log reader went away outside systemd, or the disk of a
 * log file is full): the lines go to stderr from then on, and the agent goes on serving
 * (lvs/closed-output.ts keeps the failed write from ending it, mid-apply perhaps). A stderr
 * that fails too loses them.
 */
export function logToStderrFromNowOn(logger: Logger, error?: unknown): void {
  logger.clear();
  logger.add(new transports.Stream({ stream: process.stderr }));
  logger.warn(isClosedOutput(error)
    ? 'stdout closed under the agent (its reader went away): log lines go to stderr from now on'
    : `stdout failed under the agent (${errorMessage(error)}): log lines go to stderr from now on`);
}

/** A logger that drops everything, for tests. */
export function silentLogger(): Logger {
  return createWinstonLogger({ silent: true, transports: [new transports.Console({ silent: true })] });
}
