// /proc/net/ip_vs as a fingerprint (lvs/formats/ipvs-proc-table.ts): text as the kernel writes
// it (ip_vs_ctl.c, ip_vs_info_seq_show), one block per service name, connection counts left out.
import { strict as assert } from 'node:assert';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { FakeIpvs } from '../../../agent/kernel/fake/ipvs';
import { procBlockStates, procServiceName, procServiceOf, procTableBlocksOfSteps, procTableBlocksSteps, procTableWithoutCountsSteps } from '../../../lvs/formats/ipvs-proc-table';
import type { Destination, IpvsService, SchedulerFlag } from '../../../lvs/model';
import { runToEnd } from '../../../lvs/yield-point';
import { fuzzParameters } from '../fuzz-runs';

const listing = (active: number, inactive: number): string => [
  'IP Virtual Server version 1.2.1 (size=4096)',
  'Prot LocalAddress:Port Scheduler Flags',
  '  -> RemoteAddress:Port Forward Weight ActiveConn InActConn',
  'TCP  0A000064:0050 rr persistent 360 FFFFFF00',
  `  -> 0A00000B:0050      Route   2      ${String(active).padEnd(10)} ${String(inactive).padEnd(10)}`,
  `  -> 0A00000C:0050      Tunnel  1      0          0         `,
  'TCP  [2001:0db8:0000:0000:0000:0000:0000:0100]:01BB wlc persistent 300 00000040',
  `  -> [2001:0db8:0000:0000:0000:0000:0000:0011]:01BB      Masq    4      ${active}          ${inactive}         `,
  'FWM  00000007 sh ',
  '  -> 0A00000B:0000      Masq    1      0          0         ',
  'FWM  00000007 rr ',
  'UDP  0A000064:0035 rr ops ',
  '',
].join('\n');

describe('/proc/net/ip_vs as a fingerprint of the table', () => {
  it('gives one block per service name, IPv4 and IPv6 fwmarks of one mark sharing theirs', () => {
    const blocks = runToEnd(procTableBlocksSteps(listing(0, 0)));
    assert.deepEqual([...blocks.keys()], ['TCP 0A000064:0050', 'TCP [2001:0db8:0000:0000:0000:0000:0000:0100]:01BB', 'FWM 00000007', 'UDP 0A000064:0035']);
    assert.equal(blocks.get('FWM 00000007'), 'FWM  00000007 sh \n  -> 0A00000B:0000      Masq    1\nFWM  00000007 rr ');
    assert.equal(blocks.get('TCP 0A000064:0050'), 'TCP  0A000064:0050 rr persistent 360 FFFFFF00\n  -> 0A00000B:0050      Route   2\n  -> 0A00000C:0050      Tunnel  1');
  });

  it('is the same whatever the connection counts, and differs when a weight does', () => {
    const quiet = runToEnd(procTableBlocksSteps(listing(0, 0)));
    assert.deepEqual(runToEnd(procTableBlocksSteps(listing(1234, 98765))), quiet);
    const reweighted = runToEnd(procTableBlocksSteps(listing(0, 0).replace('Route   2', 'Route   0')));
    assert.notEqual(reweighted.get('TCP 0A000064:0050'), quiet.get('TCP 0A000064:0050'));
  });

  it('gives the same blocks and fingerprint whatever pieces the file was read in, lines and services cut anywhere', () => {
    const text = listing(3, 4);
    const whole = runToEnd(procTableWithoutCountsSteps(text));
    const blocks = runToEnd(procTableBlocksOfSteps(whole));
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 1, max: text.length - 1 }), { maxLength: 12 }), (cuts) => {
      const at = [0, ...cuts.sort((a, b) => a - b), text.length];
      const pieces = at.slice(1).map((end, i) => text.slice(at[i], end));
      const read = runToEnd(procTableWithoutCountsSteps(pieces));
      return read.fingerprint === whole.fingerprint && isDeepStrictEqual(runToEnd(procTableBlocksOfSteps(read)), blocks);
    }), fuzzParameters(200));
  });

  it('fingerprints the table, not the connection counts', () => {
    const quiet = runToEnd(procTableWithoutCountsSteps(listing(0, 0))).fingerprint;
    assert.equal(runToEnd(procTableWithoutCountsSteps(listing(1234, 98765))).fingerprint, quiet);
    assert.notEqual(runToEnd(procTableWithoutCountsSteps(listing(0, 0).replace('Route   2', 'Route   0'))).fingerprint, quiet);
  });

  it('never makes one string the size of a 20,000-service listing: its lines stay in pieces of about 64 KiB', () => {
    const services = Array.from({ length: 20_000 }, (_, i) => [
      `TCP  0A${i.toString(16).toUpperCase().padStart(6, '0')}:0050 wlc `,
      ...Array.from({ length: 10 }, (_, r) => `  -> AC10${(i & 0xff).toString(16).toUpperCase().padStart(2, '0')}${r.toString(16).toUpperCase().padStart(2, '0')}:0050      Masq    1      7          9         `),
    ].join('\n'));
    const text = `${listing(0, 0).split('\n').slice(0, 3).join('\n')}\n${services.join('\n')}\n`;
    const read = runToEnd(procTableWithoutCountsSteps(text));
    const longest = Math.max(...read.pieces.map((piece) => piece.length));
    assert.ok(longest <= 64 * 1024 + 100, `a piece of ${longest} characters`);
    assert.equal(read.pieces.join(''), text.replace(/ +7 +9 +$/gm, ''));
    assert.equal(runToEnd(procTableBlocksOfSteps(read)).size, 20_000);
  });

  it('reads an empty table as no service, and refuses what the kernel does not write', () => {
    assert.equal(runToEnd(procTableBlocksSteps(listing(0, 0).split('\n').slice(0, 3).join('\n') + '\n')).size, 0);
    assert.throws(() => runToEnd(procTableBlocksSteps('hello\n')), /does not start as the kernel writes it/);
    const orphan = ['IP Virtual Server version 1.2.1 (size=4096)', 'Prot LocalAddress:Port Scheduler Flags', '  -> RemoteAddress:Port Forward Weight ActiveConn InActConn', '  -> 0A00000B:0050      Route   2      0          0', ''].join('\n');
    assert.throws(() => runToEnd(procTableBlocksSteps(orphan)), /a destination before any service/);
  });

  it('states a TCP service from its block, flags as given; says nothing where the block cannot say it all', () => {
    const blocks = runToEnd(procTableBlocksSteps(listing(5, 6)));
    assert.deepEqual(procServiceOf({ kind: 'tcp', vip: '10.0.0.100', port: 80 }, blocks.get('TCP 0A000064:0050') ?? '', []), {
      service: { key: { kind: 'tcp', vip: '10.0.0.100', port: 80 }, scheduler: 'rr', flags: [], persistence: { timeout: 360, netmask: '255.255.255.0' } },
      destinations: [{ address: '10.0.0.11', port: 80, weight: 2, forwarding: 'dr' }, { address: '10.0.0.12', port: 80, weight: 1, forwarding: 'tun' }],
    });
    // IPv6 persistence (its netmask printed in no form ipvsadm takes), one-packet, fwmark: no
    assert.equal(procServiceOf({ kind: 'tcp', vip: '2001:db8::100', port: 443 }, blocks.get('TCP [2001:0db8:0000:0000:0000:0000:0000:0100]:01BB') ?? '', []), undefined);
    assert.equal(procServiceOf({ kind: 'udp', vip: '10.0.0.100', port: 53 }, blocks.get('UDP 0A000064:0035') ?? '', []), undefined);
    assert.equal(procServiceOf({ kind: 'fwmark', mark: 7, family: 'inet' }, blocks.get('FWM 00000007') ?? '', []), undefined);
    const v6 = 'TCP  [2001:0db8:0000:0000:0000:0000:0000:0100]:0050 wlc \n  -> [2001:0db8:0000:0000:0000:0000:0000:0011]:0050      Masq    4';
    assert.deepEqual(procServiceOf({ kind: 'tcp', vip: '2001:db8::100', port: 80 }, v6, ['sh-port'])?.destinations, [{ address: '2001:db8::11', port: 80, weight: 4, forwarding: 'nat' }]);
  });

  it('says nothing for a destination line it cannot read whole, and reads one with its counts left on', () => {
    const key = { kind: 'tcp' as const, vip: '10.0.0.100', port: 80 };
    const head = 'TCP  0A000064:0050 wlc ';
    const of = (line: string): unknown => procServiceOf(key, `${head}\n${line}`, [])?.destinations;
    assert.deepEqual(of('  -> 0A00000B:1F41      Local   65535  3          4         '), [{ address: '10.0.0.11', port: 8001, weight: 65535, forwarding: 'dr' }]);
    for (const bad of [
      '  -> 0A00000B:1G41      Masq    1', // a port not in hex
      '  -> 0A00000B:          Masq    1', // no port
      '  -> 0A00000B           Masq    1', // no colon
      '  -> 0A00000B:0050      Masq    1x', // a weight not a number
      '  -> 0A00000B:0050      Masq    -1',
      '  -> 0A00000B:0050      Masque  1', // an unknown forwarding
      '  -> 0A00000B:0050      Masq', // no weight
      '  -> 0A0000:0050      Masq    1', // an address of 3 bytes
      '  => 0A00000B:0050      Masq    1', // not a destination line
      '',
    ]) assert.equal(of(bad), undefined, bad);
    assert.equal(procServiceOf(key, `${head}\n  -> 0A00000B:0050      Masq    1\n`, []), undefined, 'an empty line after it');
  });
});

describe('whether a block states a service exactly (the load\'s read-back, compared in place)', () => {
  const key = { kind: 'tcp' as const, vip: '10.0.0.100', port: 80 };
  const head = 'TCP  0A000064:0050 wlc ';
  const web: IpvsService = {
    service: { key, scheduler: 'wlc', flags: [] },
    destinations: [{ address: '10.0.0.11', port: 8001, weight: 1, forwarding: 'nat' }, { address: '10.0.0.12', port: 8002, weight: 3, forwarding: 'nat' }],
  };
  const block = `${head}\n  -> 0A00000B:1F41      Masq    1\n  -> 0A00000C:1F42      Masq    3`;

  it('says yes to the service as the block states it, and no to any difference or another order', () => {
    assert.equal(procBlockStates(block, web, []), true);
    const [a, b] = web.destinations;
    for (const [why, other] of [
      ['a weight', { ...web, destinations: [a, { ...b, weight: 2 }] }],
      ['a destination missing', { ...web, destinations: [a] }],
      ['a destination more', { ...web, destinations: [a, b, { ...b, port: 8003 }] }],
      ['a forwarding method', { ...web, destinations: [a, { ...b, forwarding: 'dr' }] }],
      ['an address', { ...web, destinations: [a, { ...b, address: '10.0.0.13' }] }],
      ['a port', { ...web, destinations: [a, { ...b, port: 8012 }] }],
      ['a scheduler', { ...web, service: { ...web.service, scheduler: 'rr' } }],
      ['persistence', { ...web, service: { ...web.service, persistence: { timeout: 300 } } }],
    ] as Array<[string, IpvsService]>) assert.equal(procBlockStates(block, other, other.service.flags), false, why);
    assert.equal(procBlockStates(block, web, ['sh-port']), false, 'flags known otherwise than expected');
    // the kernel lists a service loaded in one go newest first: the reverse order is the same service
    assert.equal(procBlockStates(block, { ...web, destinations: [b, a] }, []), true, 'the reverse order');
    const c: Destination = { ...b, port: 8003 };
    const three = `${block}\n  -> 0A00000C:1F43      Masq    3`;
    assert.equal(procBlockStates(three, { ...web, destinations: [a, b, c] }, []), true);
    assert.equal(procBlockStates(three, { ...web, destinations: [c, b, a] }, []), true);
    assert.equal(procBlockStates(three, { ...web, destinations: [b, a, c] }, []), false, 'another order: read, not stated');
    assert.equal(procBlockStates(`${head}ops \n  -> 0A00000B:1F41      Masq    1\n  -> 0A00000C:1F42      Masq    3`, web, []), false, 'one-packet scheduling');
    assert.equal(procBlockStates(block.replace('Masq    3', 'Masq    3x'), web, []), false, 'a line it cannot read');
    // a host netmask written out is not what a read gives: not stated "exactly" (the caller then reads the block)
    const persistent = `TCP  0A000064:0050 wlc persistent 300 FFFFFFFF\n  -> 0A00000B:1F41      Masq    1`;
    const sticky = (persistence: IpvsService['service']['persistence']): IpvsService => ({ service: { ...web.service, ...(persistence ? { persistence } : {}) }, destinations: [a] });
    assert.equal(procBlockStates(persistent, sticky({ timeout: 300 }), []), true);
    assert.equal(procBlockStates(persistent, sticky({ timeout: 300, netmask: '255.255.255.255' }), []), false);
  });

  it('says yes exactly when reading the block gives the expected service (property, against the fake kernel\'s own listing)', () => {
    const address = fc.oneof(fc.constantFrom('10.0.0.11', '10.0.0.12', '192.168.1.1'), fc.constantFrom('2001:db8::11', 'fd00::1'));
    const destination = fc.record({
      address,
      port: fc.integer({ min: 0, max: 65535 }),
      weight: fc.integer({ min: 0, max: 70000 }),
      forwarding: fc.constantFrom('nat', 'dr', 'tun'),
    }) as fc.Arbitrary<Destination>;
    const distinct = fc.uniqueArray(destination, { maxLength: 4, selector: (d) => `${d.address}|${d.port}` });
    const serviceOf = fc.record({
      v6: fc.boolean(),
      udp: fc.boolean(),
      scheduler: fc.constantFrom('wlc', 'rr', 'sh'),
      flags: fc.constantFrom<SchedulerFlag[]>([], ['sh-port'], ['sh-fallback', 'sh-port']),
      persistence: fc.option(fc.record({ timeout: fc.integer({ min: 1, max: 3600 }), netmask: fc.option(fc.constantFrom('255.255.255.0', '255.255.0.0'), { nil: undefined }) }), { nil: undefined }),
      destinations: distinct,
    }).map(({ v6, udp, scheduler, flags, persistence, destinations }): IpvsService => ({
      service: {
        key: { kind: udp ? 'udp' : 'tcp', vip: v6 ? '2001:db8::100' : '10.0.0.100', port: 80 },
        scheduler: scheduler as IpvsService['service']['scheduler'],
        flags,
        ...(persistence ? { persistence: persistence.netmask ? persistence : { timeout: persistence.timeout } } : {}),
      },
      destinations,
    }));
    // the expected service: the kernel's, or one change away from it
    const twist = fc.constantFrom('same', 'weight', 'drop', 'reverse', 'rotate', 'reverse-weight', 'forwarding', 'port', 'scheduler', 'persistence', 'flags');
    fc.assert(fc.property(serviceOf, twist, fc.boolean(), (kernel, how, knownFlags) => {
      const fake = new FakeIpvs([kernel]);
      const blocks = runToEnd(procTableBlocksSteps(fake.procListing()));
      const block = blocks.get(procServiceName(kernel.service.key)) ?? '';
      // plain objects (fast-check's records have no prototype; a read's do)
      const expected = structuredClone(twisted(kernel, how));
      const flags = knownFlags ? expected.service.flags : kernel.service.flags;
      const read = procServiceOf(kernel.service.key, block, flags);
      const reversed = read && { ...read, destinations: [...read.destinations].reverse() };
      const same = read !== undefined && (isDeepStrictEqual(read, expected) || isDeepStrictEqual(reversed, expected));
      assert.equal(procBlockStates(block, expected, flags), same, `${how}: ${JSON.stringify({ block, expected, read })}`);
    }), fuzzParameters(400));
  });
});

function twisted(s: IpvsService, how: string): IpvsService {
  const ds = s.destinations;
  switch (how) {
    case 'weight': return ds.length ? { ...s, destinations: [{ ...ds[0], weight: ds[0].weight + 1 }, ...ds.slice(1)] } : s;
    case 'drop': return { ...s, destinations: ds.slice(1) };
    case 'reverse': return { ...s, destinations: [...ds].reverse() };
    case 'rotate': return { ...s, destinations: [...ds.slice(1), ...ds.slice(0, 1)] };
    case 'reverse-weight': return twisted(twisted(s, 'reverse'), 'weight');
    case 'forwarding': return ds.length ? { ...s, destinations: [{ ...ds[0], forwarding: ds[0].forwarding === 'nat' ? 'dr' : 'nat' }, ...ds.slice(1)] } : s;
    case 'port': return ds.length ? { ...s, destinations: [{ ...ds[0], port: (ds[0].port + 1) % 65536 }, ...ds.slice(1)] } : s;
    case 'scheduler': return { ...s, service: { ...s.service, scheduler: s.service.scheduler === 'rr' ? 'wlc' : 'rr' } };
    case 'persistence': return { ...s, service: { ...s.service, persistence: { timeout: (s.service.persistence?.timeout ?? 0) + 1 } } };
    case 'flags': return { ...s, service: { ...s.service, flags: s.service.flags.length ? [] : ['sh-port'] } };
    default: return s;
  }
}
