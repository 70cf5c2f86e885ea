// The listener's two bounded pools (connections in their handshake, connections --allow does
// not name): at most max at once, the oldest closed first, each closed when its time is up.
import assert from 'assert';
import { PassThrough } from 'stream';
import { HeldConnections } from '../../../agent/server/transport/held-connections';

const connection = (): PassThrough => new PassThrough();
const settle = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

describe('held connections', () => {
  it('closes the oldest to make room, saying which, and keeps the newest', () => {
    const evicted: string[] = [];
    const pool = new HeldConnections<PassThrough, string>(2, 60_000, { evicted: (_c, name) => evicted.push(name) });
    const [a, b, c] = [connection(), connection(), connection()];
    pool.add(a, 'a');
    pool.add(b, 'b');
    pool.add(c, 'c');
    assert.deepStrictEqual(evicted, ['a']);
    assert.strictEqual(a.destroyed, true);
    assert.strictEqual(b.destroyed || c.destroyed, false);
    assert.strictEqual(pool.size, 2);
    pool.closeAll();
    assert.strictEqual(b.destroyed && c.destroyed, true);
    assert.strictEqual(pool.size, 0);
  });

  it('closes a connection when its time is up, unless it was let go or closed before', async () => {
    const expired: string[] = [];
    const pool = new HeldConnections<PassThrough, string>(10, 20, { expired: (_c, name) => expired.push(name) });
    const [kept, letGo, closed] = [connection(), connection(), connection()];
    pool.add(kept, 'kept');
    pool.add(letGo, 'letGo');
    pool.add(closed, 'closed');
    assert.strictEqual(pool.forget(letGo), 'letGo');
    closed.destroy();
    await settle(60);
    assert.deepStrictEqual(expired, ['kept']);
    assert.strictEqual(kept.destroyed, true);
    assert.strictEqual(letGo.destroyed, false);
    assert.strictEqual(pool.size, 0);
  });
});
