// Connection log lines are throttled per message: a flood writes a few lines and one count
// of what it left out, at the end of the window.
import { strict as assert } from 'node:assert';
import { Writable } from 'node:stream';
import winston from 'winston';
import { throttledLog } from '../../../agent/server/transport/throttled-log';

function capture(level = 'debug'): { logger: winston.Logger; lines: Array<Record<string, unknown>>; formatted: () => number } {
  const lines: Array<Record<string, unknown>> = [];
  let formatted = 0;
  const counting = winston.format((info) => { formatted += 1; return info; });
  const stream = new Writable({ write(chunk: Buffer, _e, done) { lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); done(); } });
  return {
    logger: winston.createLogger({ level, format: winston.format.combine(counting(), winston.format.json()), transports: [new winston.transports.Stream({ stream })] }),
    lines,
    formatted: () => formatted,
  };
}

describe('the throttled connection log', () => {
  it('writes at most N lines per message per window, then one count of the rest', async () => {
    const { logger, lines } = capture();
    const log = throttledLog(logger, { linesPerWindow: 3, windowMs: 50 });
    for (let i = 0; i < 10; i += 1) log.log('info', 'connection closed: no TLS handshake in time', { peer: `127.0.0.1:${i}` });
    log.log('warn', 'connection refused: client certificate', { peer: '127.0.0.1:99' });
    await new Promise((r) => setTimeout(r, 100));
    log.close();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(lines.map((l) => l.message), [
      'connection closed: no TLS handshake in time', 'connection closed: no TLS handshake in time', 'connection closed: no TLS handshake in time',
      'connection refused: client certificate',
      'connection log lines left out',
    ]);
    assert.deepEqual({ about: lines[4].about, suppressed: lines[4].suppressed }, { about: 'connection closed: no TLS handshake in time', suppressed: 7 });
  });

  it('drops a line below the logger\'s level before it is formatted, and does not count it as left out', async () => {
    const { logger, lines, formatted } = capture('info');
    const log = throttledLog(logger, { linesPerWindow: 1, windowMs: 50 });
    for (let i = 0; i < 5; i += 1) log.log('debug', 'connection closed before its TLS handshake ended', { peer: `127.0.0.1:${i}` });
    log.log('info', 'connection closed: no TLS handshake in time', { peer: '127.0.0.1:9' });
    log.close();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(lines.map((l) => l.message), ['connection closed: no TLS handshake in time']);
    assert.equal(formatted(), 1, 'only the info line went through the format');
  });
});
