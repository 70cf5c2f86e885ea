// A JSON-lines winston logger whose lines a test reads back.
import { Writable } from 'stream';
import winston from 'winston';

export interface CapturedLog {
  logger: winston.Logger;
  lines: Array<Record<string, unknown>>;
}

export function capturingLogger(): CapturedLog {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: winston.createLogger({ level: 'debug', format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] }), lines };
}

/** Waits until a line matching `test` was logged. */
export async function logged(log: CapturedLog, test: (line: Record<string, unknown>) => boolean, timeoutMs = 5000): Promise<Record<string, unknown>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const line = log.lines.find(test);
    if (line) return line;
    if (Date.now() > end) throw new Error(`no such log line within ${timeoutMs} ms; logged: ${JSON.stringify(log.lines)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
