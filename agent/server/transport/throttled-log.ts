// Log lines about connections, at most a few per message per window: whoever can reach
// the port can cause them (a scan, a flood of silent connections), and the log must stay
// readable and its disk bounded. What was left out is counted and said at the window's end.
import type { Logger } from 'winston';

export type ThrottledLevel = 'warn' | 'info' | 'debug';

export interface ThrottledLog {
  log(level: ThrottledLevel, message: string, fields: Record<string, unknown>): void;
  /** stops the summary timer (agent shutdown) */
  close(): void;
}

export const DEFAULT_LINES_PER_WINDOW = 20;
export const DEFAULT_WINDOW_MS = 10_000;

export function throttledLog(logger: Logger, opts: { linesPerWindow?: number; windowMs?: number } = {}): ThrottledLog {
  const perWindow = opts.linesPerWindow ?? DEFAULT_LINES_PER_WINDOW;
  const windowMs = opts.windowMs ?? DEFAULT_WINDOW_MS;
  const written = new Map<string, number>();
  const suppressed = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;

  const endWindow = (): void => {
    timer = undefined;
    for (const [message, count] of suppressed) {
      logger.warn('connection log lines left out', { about: message, suppressed: count, windowMs });
    }
    written.clear();
    suppressed.clear();
  };

  return {
    log(level, message, fields) {
      // a line below the logger's level is dropped before winston formats it (winston formats
      // first and filters after: a debug line per connection cost the fan-out CPU for nothing),
      // and it is no line the window counts or says it left out
      if (!logger.isLevelEnabled(level)) return;
      if (!timer) {
        timer = setTimeout(endWindow, windowMs);
        timer.unref();
      }
      const count = written.get(message) ?? 0;
      if (count >= perWindow) {
        suppressed.set(message, (suppressed.get(message) ?? 0) + 1);
        return;
      }
      written.set(message, count + 1);
      logger.log(level, message, fields);
    },
    close() {
      if (timer) clearTimeout(timer);
      endWindow();
    },
  };
}
