// journald priorities: while stdout is the journal (JOURNAL_STREAM names it) every log line
// starts with its level's sd-daemon prefix, so journald files warnings and errors as such.
import { strict as assert } from 'node:assert';
import { closeSync, fstatSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fdIsJournal, isJournalStream, journalPriority } from '../../../agent/journal';
import { createLogger } from '../../../agent/logging';

function capture(journal: boolean): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk: Buffer, _e, done) { lines.push(chunk.toString()); done(); } });
  return { lines, logger: createLogger('debug', stream, { journal }) };
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('journald priorities of the agent log', () => {
  it('gives each level its syslog priority: error 3, warn 4, info 6, verbose and debug 7', () => {
    assert.deepEqual(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly', 'unknown'].map(journalPriority), [3, 4, 6, 6, 7, 7, 7, 6]);
  });

  it('prefixes each JSON line with <N> when writing to the journal', async () => {
    const { lines, logger } = capture(true);
    logger.error('apply failed', { host: 'd' });
    logger.warn('director precondition unmet');
    logger.info('agent started');
    logger.debug('detail');
    await flush();
    assert.deepEqual(lines.map((l) => l.slice(0, 3)), ['<3>', '<4>', '<6>', '<7>']);
    const parsed = JSON.parse(lines[0]!.slice(3)) as Record<string, unknown>;
    assert.equal(parsed.message, 'apply failed');
    assert.equal(parsed.host, 'd');
  });

  it('writes plain JSON lines elsewhere', async () => {
    const { lines, logger } = capture(false);
    logger.warn('w');
    await flush();
    assert.equal(lines.length, 1);
    assert.equal((JSON.parse(lines[0]!) as { level: string }).level, 'warn');
  });

  it('knows the journal by JOURNAL_STREAM = the descriptor\'s DEVICE:INODE, as systemd.exec(5) says', () => {
    assert.equal(isJournalStream('2049:123', { dev: 2049, ino: 123 }), true);
    assert.equal(isJournalStream('2049:123', { dev: 2049n, ino: 123n }), true);
    assert.equal(isJournalStream('2049:124', { dev: 2049, ino: 123 }), false, 'stdout redirected elsewhere by hand');
    assert.equal(isJournalStream(undefined, { dev: 2049, ino: 123 }), false);
    assert.equal(isJournalStream('', { dev: 2049, ino: 123 }), false);
    assert.equal(isJournalStream('garbage', { dev: 2049, ino: 123 }), false);
  });

  it('checks a real descriptor against JOURNAL_STREAM', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lvsctl-journal-'));
    const fd = openSync(join(dir, 'out'), 'w');
    try {
      const st = fstatSync(fd, { bigint: true });
      assert.equal(fdIsJournal(fd, { JOURNAL_STREAM: `${st.dev}:${st.ino}` }), true);
      assert.equal(fdIsJournal(fd, { JOURNAL_STREAM: `${st.dev}:${st.ino + 1n}` }), false);
      assert.equal(fdIsJournal(fd, {}), false);
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
