// The agent's logger: one JSON object a line on stdout (journald keeps it), with a
// timestamp. Callers log facts (host, generation, outcome), never key material.
import { createLogger as createWinstonLogger, format, transports, type Logger } from 'winston';

export const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

export function createLogger(level: LogLevel, stream: NodeJS.WritableStream = process.stdout): Logger {
  return createWinstonLogger({
    level,
    format: format.combine(format.timestamp(), format.json()),
    defaultMeta: { program: 'lvsctl-agent' },
    transports: [new transports.Stream({ stream })],
  });
}

/** A logger that drops everything, for tests. */
export function silentLogger(): Logger {
  return createWinstonLogger({ silent: true, transports: [new transports.Console({ silent: true })] });
}
