// --listen as the agent reads it: an address and a port, and for text that is not, which part is wrong.
import { strict as assert } from 'node:assert';
import { parseListenAddress } from '../../../agent/server/transport/listen-address';

describe('the agent\'s --listen', () => {
  it('takes an IPv4 or bracketed IPv6 address and a port', () => {
    assert.deepStrictEqual(parseListenAddress('0.0.0.0:7400'), { host: '0.0.0.0', port: 7400 });
    assert.deepStrictEqual(parseListenAddress('[::]:7400'), { host: '::', port: 7400 });
    assert.deepStrictEqual(parseListenAddress('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
  });

  it('names the part that is wrong, then the form it takes', () => {
    const cases: Array<[string, RegExp]> = [
      ['999.1.1.1:7400', /999\.1\.1\.1 is not an IPv4 or IPv6 address/],
      ['localhost:7400', /localhost is not an IPv4 or IPv6 address \(a host name is not taken here\)/],
      ['127.0.0.1:99999', /port 99999 is past 65535/],
      ['[::1]', /the port is missing/],
      ['10.0.0.1', /the port is missing/],
      [':7400', /the address is missing \(0\.0\.0\.0 or \[::\] for every address\)/],
      ['::1:7400', /an IPv6 address goes in brackets, as in \[::\]:7400/],
      ['0.0.0.0:7400x', /: not ADDRESS:PORT;/],
    ];
    for (const [text, problem] of cases) {
      assert.throws(() => parseListenAddress(text), (err: Error) => {
        assert.match(err.message, problem, text);
        assert.ok(err.message.startsWith(`--listen ${JSON.stringify(text)}: `), err.message);
        assert.ok(err.message.endsWith('; must be ADDRESS:PORT, e.g. 0.0.0.0:7400 or [::]:7400'), err.message);
        return true;
      });
    }
  });
});
