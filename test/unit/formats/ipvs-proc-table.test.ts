// /proc/net/ip_vs as a fingerprint (lvs/formats/ipvs-proc-table.ts): text as the kernel writes
// it (ip_vs_ctl.c, ip_vs_info_seq_show), one block per service name, connection counts left out.
import { strict as assert } from 'node:assert';
import { procServiceOf, procTableBlocksSteps } from '../../../lvs/formats/ipvs-proc-table';
import { runToEnd } from '../../../lvs/yield-point';

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
