// Connection log lines are throttled per message: a flood writes a few lines and one count
// of what it left out, at the end of the window.
import { strict as assert } from 'node:assert';
import { Writable } from 'node:stream';
import winston from 'winston';
import { throttledLog } from '../../../agent/server/transport/throttled-log';

function capture(): { logger: winston.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({ write(chunk: Buffer, _e, done) { lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); done(); } });
  return { logger: winston.createLogger({ level: 'debug', format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] }), lines };
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
});
