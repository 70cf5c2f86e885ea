// --listen as the agent reads it: an address and a port, and for text that is not, which part is wrong.
import { strict as assert } from 'node:assert';
import { parseListenAddress } from '../../../agent/server/transport/listen-address';
import { resolveAgentConfig } from '../../../agent/server/agent-config';

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

  it('refuses a --metrics on the port it serves gRPC on, naming both, where it once failed as "address in use"', () => {
    const options = { role: 'director', stateDir: '/var/lib/lvsctl', iptables: 'auto', logLevel: 'info', insecure: true };
    for (const [listen, metrics] of [['0.0.0.0:7400', '127.0.0.1:7400'], ['127.0.0.1:7400', '127.0.0.1:7400'], ['10.0.0.1:7400', '0.0.0.0:7400'], ['[::]:7400', '[::1]:7400']]) {
      assert.throws(() => resolveAgentConfig({ ...options, listen, metrics }), new RegExp(`^AgentConfigError: --metrics \\S+ takes the port --listen serves gRPC on \\(7400\\): give metrics a port of their own`), `${listen} ${metrics}`);
    }
    for (const [listen, metrics] of [['0.0.0.0:7400', '127.0.0.1:9400'], ['10.0.0.1:7400', '10.0.0.2:7400'], ['127.0.0.1:0', '127.0.0.1:0']]) {
      assert.equal(resolveAgentConfig({ ...options, listen, metrics }).metrics, metrics, `${listen} ${metrics}`);
    }
  });
});
