// Is this output stream the systemd journal, and which priority prefix does a level get?
// Apart from logging.ts so that main.ts can prefix a fatal error without loading winston.
import { fstatSync } from 'node:fs';

/** syslog(3) priorities of the log levels, written as sd-daemon(3) `<N>` prefixes. */
const PRIORITY: Readonly<Record<string, number>> = {
  error: 3, // LOG_ERR
  warn: 4, // LOG_WARNING
  info: 6, // LOG_INFO
  http: 6,
  verbose: 7, // LOG_DEBUG
  debug: 7,
  silly: 7,
};

/** A level's priority; an unknown level is filed as info. */
export function journalPriority(level: string): number {
  return PRIORITY[level] ?? 6;
}

/**
 * True when the file behind a descriptor is the stream JOURNAL_STREAM ("DEVICE:INODE") names:
 * systemd's documented test (systemd.exec(5)), so output redirected elsewhere gets no prefixes.
 */
export function isJournalStream(journalStream: string | undefined, stat: { dev: number | bigint; ino: number | bigint } | undefined): boolean {
  if (!journalStream || !stat) return false;
  const match = /^(\d+):(\d+)$/.exec(journalStream);
  return match !== null && BigInt(match[1] as string) === BigInt(stat.dev) && BigInt(match[2] as string) === BigInt(stat.ino);
}

/** Whether descriptor fd (1: stdout, 2: stderr) of this process is the journal. */
export function fdIsJournal(fd: number, env: NodeJS.ProcessEnv = process.env): boolean {
  if (!env.JOURNAL_STREAM) return false;
  try {
    return isJournalStream(env.JOURNAL_STREAM, fstatSync(fd, { bigint: true }));
  } catch {
    return false;
  }
}

/** `<3>` when stderr is the journal, else nothing: for a fatal message written there by hand. */
export function stderrErrorPrefix(): string {
  return fdIsJournal(2) ? `<${journalPriority('error')}>` : '';
}
