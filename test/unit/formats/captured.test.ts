// The parsers against what the lab captured from a real kernel (test/fixtures/captured/,
// ipvsadm 1.31, iptables 1.8.9 legacy, Linux 6.1). Skipped where a capture is missing.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MARK_CHAIN, parseMangleSave } from '../../../lvs/formats/iptables-format';
import { parseIpvsSave, renderIpvsState } from '../../../lvs/formats/ipvsadm-format';
import { serviceKeyString, type IpvsService, type MarkRule } from '../../../lvs/model';

const CAPTURED = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'captured');

function captured(ctx: Mocha.Context, name: string): string {
  const path = join(CAPTURED, name);
  if (!existsSync(path) || readFileSync(path, 'utf8') === '') ctx.skip();
  return readFileSync(path, 'utf8');
}

const byKey = (table: IpvsService[]): Map<string, IpvsService> => new Map(table.map((s) => [serviceKeyString(s.service.key), s]));
const mark = (m: number, ports: string[], inInterface?: string, protocol: 'tcp' | 'udp' = 'tcp'): MarkRule => ({
  mark: m, protocol, destination: '10.0.0.100', ports, ...(inInterface ? { inInterface } : {}),
});

describe('formats against real captures', () => {
  it('parses real ipvsadm -S -n output: persistence, netmask, flags, forwarding, IPv6 fwmark', function () {
    const table = byKey(parseIpvsSave(captured(this, 'ipvsadm-S-n.txt')));
    assert.deepEqual([...table.keys()], ['tcp 10.0.0.100:0', 'tcp 10.0.0.100:80', 'tcp 10.0.0.101:8080', 'udp 10.0.0.100:53', 'fwmark 1', 'fwmark 2 inet6']);
    assert.deepEqual(table.get('tcp 10.0.0.100:80')?.service, {
      key: { kind: 'tcp', vip: '10.0.0.100', port: 80 }, scheduler: 'wlc', flags: [], persistence: { timeout: 360, netmask: '255.255.255.0' },
    });
    assert.deepEqual(table.get('tcp 10.0.0.101:8080'), {
      service: { key: { kind: 'tcp', vip: '10.0.0.101', port: 8080 }, scheduler: 'sh', flags: ['sh-port'] },
      destinations: [
        { address: '10.0.0.11', port: 8080, weight: 2, forwarding: 'nat' },
        { address: '10.0.0.12', port: 8080, weight: 5, forwarding: 'tun' },
        { address: '10.0.0.13', port: 8080, weight: 0, forwarding: 'dr' },
      ],
    });
    assert.deepEqual(table.get('fwmark 2 inet6')?.destinations.map((d) => [d.address, d.port, d.weight]), [['2001:db8::11', 0, 1], ['2001:db8::12', 0, 2]]);
  });

  it('renders the parsed table as ipvsadm printed it (less --tun-type ipip, which older ipvsadm such as 1.26 does not take)', function () {
    const text = captured(this, 'ipvsadm-S-n.txt');
    assert.equal(renderIpvsState(parseIpvsSave(text)), text.replace(/ --tun-type ipip/g, ''));
  });

  it('reads the same table from the -R input as from the -S output the kernel then gave', function () {
    const input = byKey(parseIpvsSave(captured(this, 'ipvs-restore-input.txt')));
    const saved = byKey(parseIpvsSave(captured(this, 'ipvsadm-S-n.txt')));
    for (const [key, service] of input) assert.deepEqual(saved.get(key), service, key);
  });

  it('parses real iptables-legacy-save output: owned chain, jump and a hand rule', function () {
    const state = parseMangleSave(captured(this, 'iptables-legacy-save-mangle.txt'));
    assert.equal(state.chainExists, true);
    assert.equal(state.jumpPresent, true);
    assert.deepEqual(state.owned, [mark(3, ['21']), mark(1, ['80', '443']), mark(3, ['10000:12000']), mark(4, ['53'], 'eth0', 'udp')]);
    assert.deepEqual(state.foreign, [mark(9, ['8443'])]);
    assert.deepEqual([state.unparsed, state.foreignUnparsed], [[], []]);
  });

  it(`shows that re-declaring ${MARK_CHAIN} in a --noflush restore flushes it (what renderMarkChainRestore relies on)`, function () {
    assert.deepEqual(parseMangleSave(captured(this, 'iptables-legacy-save-mangle-after-redeclare.txt')).owned, [mark(5, ['25'])]);
    // Without the declaration the rule is appended to what was there.
    assert.deepEqual(parseMangleSave(captured(this, 'iptables-legacy-save-mangle-after-undeclared.txt')).owned, [mark(5, ['25']), mark(6, ['26'])]);
  });

  it('still sees the jump when PREROUTING holds it twice', function () {
    assert.equal(parseMangleSave(captured(this, 'iptables-legacy-save-mangle-after-second-jump.txt')).jumpPresent, true);
  });
});
