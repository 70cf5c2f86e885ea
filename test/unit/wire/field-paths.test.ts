// A field's path in a WireFieldError: built as text only when a check fails, and a service
// decoded first with no paths at all (unnamedFirst) still names the field that is wrong.
import assert from 'assert';
import { at, fail, intIn, unnamedFirst, WireFieldError } from '../../../lvs/wire/checks';

describe('field paths', () => {
  it('read as before: index in brackets, names after dots, a top-level name alone', () => {
    assert.strictEqual(String(at(at(at('services', 3), 'realservers'), 0)), 'services[3].realservers[0]');
    assert.strictEqual(String(at('', 'mode')), 'mode');
    assert.strictEqual(`${at(at('services', 3), 'name')}`, 'services[3].name');
  });

  it('a failed check names the whole path in its message and its path', () => {
    assert.throws(() => intIn(70000, 0, 65535, at(at('services', 1), 'weight')),
      (e: unknown) => e instanceof WireFieldError && e.path === 'services[1].weight' && e.message === 'services[1].weight: must be 0..65535');
  });

  describe('unnamedFirst', () => {
    it('gives what the decode gives, decoding once when it passes', () => {
      const paths: string[] = [];
      const value = unnamedFirst(at('services', 2), (path) => {
        paths.push(String(at(path, 'port')));
        return 42;
      });
      assert.strictEqual(value, 42);
      assert.strictEqual(paths.length, 1);
      assert.notStrictEqual(paths[0], 'services[2].port', 'the first pass built the real path');
    });

    it('decodes again with the real path when a check fails, so the error names the field', () => {
      assert.throws(
        () => unnamedFirst(at('services', 2), (path) => intIn(-1, 0, 65535, at(at(path, 'destination'), 'port'))),
        (e: unknown) => e instanceof WireFieldError && e.message === 'services[2].destination.port: must be 0..65535',
      );
    });

    it('lets any other error through as it is, decoding once', () => {
      let calls = 0;
      const boom = new TypeError('not a check');
      assert.throws(() => unnamedFirst(at('services', 0), () => {
        calls++;
        throw boom;
      }), (e: unknown) => e === boom);
      assert.strictEqual(calls, 1);
    });

    it('never passes silently when the second decode does not fail as the first did', () => {
      let calls = 0;
      assert.throws(() => unnamedFirst(at('services', 0), (path) => {
        calls++;
        if (calls === 1) fail(path, 'is wrong');
        return 'passed the second time';
      }), (e: unknown) => e instanceof WireFieldError && /is wrong/.test(e.message));
    });
  });
});
