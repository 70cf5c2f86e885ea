import assert from 'assert';
import { IpvsOutputError, parseIpvsList, parseIpvsStats } from '../../../lvs/formats/ipvs-stats';
import { serviceKeyString } from '../../../lvs/model';
import { captured, labFixture } from './captured';

const zero = { connections: 0, inPackets: 0, outPackets: 0, inBytes: 0, outBytes: 0 };

describe('ipvsadm -Ln --stats --exact', () => {
  const stats = parseIpvsStats(captured('ipvsadm-Ln-stats-exact.txt'));

  it('reads every service of the real lab output, tcp, udp, fwmark, IPv6 and IPv6 fwmark alike', () => {
    assert.deepStrictEqual(stats.map((s) => serviceKeyString(s.key)), [
      'tcp 10.0.0.100:0', 'tcp 10.0.0.100:80', 'udp 10.0.0.100:53', 'tcp [2001:db8::100]:443', 'fwmark 1', 'fwmark 2 inet6',
    ]);
  });

  it('reads the counters of a service and of each destination', () => {
    const web = stats[1];
    const counters = { connections: 5, inPackets: 30, outPackets: 22, inBytes: 1900, outBytes: 5304 };
    assert.deepStrictEqual(web.counters, counters);
    assert.deepStrictEqual(web.destinations, [{ address: '127.0.0.1', port: 8080, counters }]);
  });

  it('gives a service without destinations an empty list', () => {
    assert.deepStrictEqual(stats[2].destinations, []);
    assert.deepStrictEqual(stats[2].counters, zero);
  });

  it('reads counters wider than the column and the K/M suffixes of the output without --exact', () => {
    const text = [
      'TCP  10.0.0.100:80                123456789012 12 3K 4M 5',
      '  -> 10.0.0.11:80                 1 2 3 4 5',
    ].join('\n');
    const [s] = parseIpvsStats(text);
    assert.deepStrictEqual(s.counters, { connections: 123456789012, inPackets: 12, outPackets: 3000, inBytes: 4_000_000, outBytes: 5 });
  });

  it('skips an SCTP service and its destinations instead of failing', () => {
    const text = 'SCTP 10.0.0.100:9 0 0 0 0 0\n  -> 10.0.0.11:9 0 0 0 0 0\nTCP  10.0.0.100:80 0 0 0 0 0\n';
    assert.deepStrictEqual(parseIpvsStats(text).map((s) => serviceKeyString(s.key)), ['tcp 10.0.0.100:80']);
  });

  it('refuses output with names instead of numbers, naming the line and the fix', () => {
    assert.throws(
      () => parseIpvsStats('IP Virtual Server version 1.2.1 (size=4096)\nTCP  www.example.com:http 0 0 0 0 0'),
      (err: unknown) => err instanceof IpvsOutputError && /line 2: expected a numeric ADDRESS:PORT \(run ipvsadm with -n\)/.test(err.message),
    );
  });

  it('refuses a destination before any service', () => {
    assert.throws(() => parseIpvsStats('  -> 10.0.0.11:80 0 0 0 0 0'), /line 1: expected a service line before its first "->" line/);
  });
});

describe('ipvsadm -Ln --exact', () => {
  const list = parseIpvsList(captured('ipvsadm-Ln-exact.txt'));

  it('reads weights, forwarding and active/inactive connections of the real lab output', () => {
    assert.deepStrictEqual(list[1].destinations, [
      { address: '127.0.0.1', port: 8080, forwarding: 'nat', weight: 0, activeConnections: 0, inactiveConnections: 5 },
    ]);
    assert.deepStrictEqual(list[0].destinations[0], { address: '127.0.0.1', port: 0, forwarding: 'dr', weight: 3, activeConnections: 0, inactiveConnections: 0 });
    assert.strictEqual(list[4].destinations[0].weight, 2, 'the weight an ipvsadm -R batch set');
  });

  it('keeps the scheduler and persistence as printed', () => {
    assert.deepStrictEqual(list.map((s) => s.settings), ['wlc persistent 360', 'rr', 'rr', 'sh (sh-fallback,sh-port)', 'rr persistent 360', 'rr']);
    assert.deepStrictEqual(list[5].key, { kind: 'fwmark', mark: 2, family: 'inet6' });
  });

  it('refuses a forwarding method it does not know', () => {
    assert.throws(() => parseIpvsList('TCP  10.0.0.100:80 rr\n  -> 10.0.0.11:80 Bounce 1 0 0'), /line 2: expected a forwarding method/);
  });
});

describe('the lab cluster capture (test/fixtures/captured)', () => {
  const stats = parseIpvsStats(labFixture('ipvsadm-Ln-stats-exact.txt'));
  const list = parseIpvsList(labFixture('ipvsadm-Ln-exact.txt'));

  it('lists the same services and destinations in both listings', () => {
    const shape = (s: { key: Parameters<typeof serviceKeyString>[0]; destinations: { address: string; port: number }[] }) =>
      `${serviceKeyString(s.key)}: ${s.destinations.map((d) => `${d.address}:${d.port}`).join(' ')}`;
    assert.deepStrictEqual(stats.map(shape), list.map(shape));
    assert.strictEqual(stats.length, 6);
    assert.deepStrictEqual(stats[5].destinations.map((d) => d.address), ['2001:db8::11', '2001:db8::12']);
  });

  it('reads the DR counters (no outgoing traffic through the director)', () => {
    assert.deepStrictEqual(stats[1].destinations[1].counters, { connections: 3, inPackets: 18, outPackets: 0, inBytes: 1140, outBytes: 0 });
  });

  it('reads Masq, Tunnel and Route destinations with their weights and connections', () => {
    assert.deepStrictEqual(list[2].destinations.map((d) => `${d.forwarding} ${d.weight}`), ['nat 2', 'tun 5', 'dr 0']);
    assert.deepStrictEqual(list[1].destinations[1], { address: '10.0.0.12', port: 80, forwarding: 'dr', weight: 1, activeConnections: 0, inactiveConnections: 3 });
    assert.strictEqual(list[1].settings, 'wlc persistent 360 mask 255.255.255.0');
  });
});
