import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import type { IpvsOperation } from '../../../lvs/operations';
import { parseIpvsSave, renderIpvsRestore, renderIpvsState } from '../../../lvs/formats/ipvsadm-format';
import { TextFormatError } from '../../../lvs/formats/text-format-error';
import { serviceKeyString, type IpvsService, type VirtualService } from '../../../lvs/model';
import { ipvsTable } from './ipvs-arbitraries';

const web: VirtualService = { key: { kind: 'tcp', vip: '10.0.0.100', port: 80 }, scheduler: 'rr', flags: [], persistence: { timeout: 360 } };
const shop: VirtualService = { key: { kind: 'fwmark', mark: 1, family: 'inet' }, scheduler: 'wlc', flags: [] };
const rs1 = { address: '10.0.0.11', port: 80, weight: 1, forwarding: 'dr' as const };

/** The table sorted, so text order does not matter when comparing. */
function sorted(table: IpvsService[]): IpvsService[] {
  // JSON copy: fast-check builds records without a prototype, which deepEqual tells apart.
  return (JSON.parse(JSON.stringify(table)) as IpvsService[])
    .map((s) => ({ ...s, destinations: [...s.destinations].sort((a, b) => `${a.address}|${a.port}`.localeCompare(`${b.address}|${b.port}`)) }))
    .sort((a, b) => serviceKeyString(a.service.key).localeCompare(serviceKeyString(b.service.key)));
}

function parseError(text: string): TextFormatError {
  try {
    parseIpvsSave(text);
  } catch (err) {
    assert.ok(err instanceof TextFormatError, `expected a TextFormatError, got ${String(err)}`);
    return err;
  }
  return assert.fail('expected the text to be refused');
}

describe('ipvsadm text format', () => {
  describe('renderIpvsRestore (ipvsadm -R input)', () => {
    it('writes one line per operation with the switch ipvsadm takes for it', () => {
      const ops: IpvsOperation[] = [
        { op: 'add-service', service: web },
        { op: 'add-destination', key: web.key, destination: rs1 },
        { op: 'edit-destination', key: web.key, destination: { ...rs1, weight: 0 }, before: rs1 },
        { op: 'edit-service', service: { ...web, scheduler: 'wlc' }, before: web },
        { op: 'delete-destination', key: web.key, destination: rs1 },
        { op: 'delete-service', service: web },
      ];
      assert.equal(
        renderIpvsRestore(ops),
        [
          '-A -t 10.0.0.100:80 -s rr -p 360',
          '-a -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 1',
          '-e -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 0',
          '-E -t 10.0.0.100:80 -s wlc -p 360',
          '-d -t 10.0.0.100:80 -r 10.0.0.11:80',
          '-D -t 10.0.0.100:80',
          '',
        ].join('\n'),
      );
    });

    it('writes nothing for no operations', () => {
      assert.equal(renderIpvsRestore([]), '');
    });

    it('names forwarding methods -g, -m and -i and udp services -u', () => {
      const key = { kind: 'udp' as const, vip: '10.0.0.100', port: 53 };
      const text = renderIpvsRestore([
        { op: 'add-destination', key, destination: { address: '10.0.0.11', port: 53, weight: 2, forwarding: 'nat' } },
        { op: 'add-destination', key, destination: { address: '10.0.0.12', port: 53, weight: 3, forwarding: 'tun' } },
      ]);
      assert.equal(text, '-a -u 10.0.0.100:53 -r 10.0.0.11:53 -m -w 2\n-a -u 10.0.0.100:53 -r 10.0.0.12:53 -i -w 3\n');
    });

    it('brackets IPv6 addresses and marks IPv6 fwmark services with -6', () => {
      const v6: VirtualService = { key: { kind: 'fwmark', mark: 7, family: 'inet6' }, scheduler: 'sh', flags: ['sh-port', 'sh-fallback'], persistence: { timeout: 60, netmask: '64' } };
      const text = renderIpvsRestore([
        { op: 'add-service', service: v6 },
        { op: 'add-destination', key: v6.key, destination: { address: '2001:db8::11', port: 0, weight: 1, forwarding: 'dr' } },
        { op: 'add-service', service: { key: { kind: 'tcp', vip: '2001:db8::100', port: 443 }, scheduler: 'wlc', flags: [] } },
      ]);
      assert.equal(
        text,
        '-A -f 7 -6 -s sh -p 60 -M 64 -b sh-fallback,sh-port\n' +
          '-a -f 7 -6 -r [2001:db8::11]:0 -g -w 1\n' +
          '-A -t [2001:db8::100]:443 -s wlc\n',
      );
    });

    it('leaves out the default netmask, as ipvsadm -S does', () => {
      const text = renderIpvsRestore([{ op: 'add-service', service: { ...web, persistence: { timeout: 360, netmask: '255.255.255.255' } } }]);
      assert.equal(text, '-A -t 10.0.0.100:80 -s rr -p 360\n');
    });
  });

  describe('renderIpvsState (like ipvsadm -S -n)', () => {
    it('prints each service followed by its destinations', () => {
      const text = renderIpvsState([
        { service: { ...web, key: { kind: 'tcp', vip: '10.0.0.100', port: 0 } }, destinations: [{ ...rs1, port: 0 }] },
        { service: shop, destinations: [{ ...rs1, port: 0, weight: 2 }] },
      ]);
      assert.equal(
        text,
        '-A -t 10.0.0.100:0 -s rr -p 360\n-a -t 10.0.0.100:0 -r 10.0.0.11:0 -g -w 1\n-A -f 1 -s wlc\n-a -f 1 -r 10.0.0.11:0 -g -w 2\n',
      );
    });
  });

  describe('parseIpvsSave', () => {
    it('reads what ipvsadm 1.31 -S -n prints (format from print_service_entry)', () => {
      const saved = [
        '-A -t 10.0.0.100:80 -s rr -p 360 -M 255.255.255.0',
        '-a -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 1',
        '-a -t 10.0.0.100:80 -r 10.0.0.12:8080 -m -w 0',
        '-A -f 1 -6 -s mh -b mh-port',
        '-a -f 1 -6 -r [2001:db8::11]:0 -i -w 5 --tun-type ipip',
        '',
      ].join('\n');
      assert.deepEqual(parseIpvsSave(saved), [
        {
          service: { key: { kind: 'tcp', vip: '10.0.0.100', port: 80 }, scheduler: 'rr', flags: [], persistence: { timeout: 360, netmask: '255.255.255.0' } },
          destinations: [
            { address: '10.0.0.11', port: 80, weight: 1, forwarding: 'dr' },
            { address: '10.0.0.12', port: 8080, weight: 0, forwarding: 'nat' },
          ],
        },
        {
          service: { key: { kind: 'fwmark', mark: 1, family: 'inet6' }, scheduler: 'mh', flags: ['mh-port'] },
          destinations: [{ address: '2001:db8::11', port: 0, weight: 5, forwarding: 'tun' }],
        },
      ]);
    });

    it("fills in ipvsadm's defaults for hand-written lines, as in the seed", () => {
      const seed = 'ipvsadm -C\nipvsadm -A -t 10.0.0.100:0 -p 360\nipvsadm -a -t 10.0.0.100:0 -r 10.0.0.11\nipvsadm -A -f 1 -p\nipvsadm -a -f 1 -r 10.0.0.12\nipvsadm -A -t 10.0.0.100:80\nipvsadm -a -t 10.0.0.100:80 -r 10.0.0.12\n';
      assert.deepEqual(parseIpvsSave(seed), [
        { service: { key: { kind: 'tcp', vip: '10.0.0.100', port: 0 }, scheduler: 'wlc', flags: [], persistence: { timeout: 360 } }, destinations: [{ address: '10.0.0.11', port: 0, weight: 1, forwarding: 'dr' }] },
        { service: { key: { kind: 'fwmark', mark: 1, family: 'inet' }, scheduler: 'wlc', flags: [], persistence: { timeout: 300 } }, destinations: [{ address: '10.0.0.12', port: 0, weight: 1, forwarding: 'dr' }] },
        { service: { key: { kind: 'tcp', vip: '10.0.0.100', port: 80 }, scheduler: 'wlc', flags: [] }, destinations: [{ address: '10.0.0.12', port: 80, weight: 1, forwarding: 'dr' }] },
      ]);
    });

    it('reads an empty table from empty output', () => {
      assert.deepEqual(parseIpvsSave(''), []);
    });

    it('drops an explicit default netmask, which ipvsadm -S never prints', () => {
      const [s] = parseIpvsSave('-A -t 10.0.0.100:80 -s rr -p 360 -M 255.255.255.255\n');
      assert.deepEqual(s.service.persistence, { timeout: 360 });
    });

    const refusals: Array<[string, string, RegExp]> = [
      ['an option it does not know', '-A -t 10.0.0.100:80 -s rr -x 5', /unknown option "-x"/],
      ['names instead of numbers', '-A -t www.example.com:http -s rr', /use ipvsadm -S -n/],
      ['a destination before its service', '-a -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 1', /no earlier -A line/],
      ['a service added twice', '-A -t 10.0.0.100:80 -s rr\n-A -t 10.0.0.100:80 -s wlc', /added a second time/],
      ['an unknown scheduler', '-A -t 10.0.0.100:80 -s twos', /unknown scheduler "twos"/],
      ['a flag its scheduler does not take', '-A -t 10.0.0.100:80 -s rr -b sh-port', /scheduler flag "sh-port"/],
      ['a weight out of range', '-A -f 1 -s rr\n-a -f 1 -r 10.0.0.11 -w 70000', /weight "70000"/],
      ['an IPv6 address without brackets', '-A -t 2001:db8::1 -s rr', /brackets/],
      ['a GRE tunnel', '-A -f 1 -s rr\n-a -f 1 -r 10.0.0.11:0 -i -w 1 --tun-type gre', /tunnel type "gre"/],
      ['one-packet scheduling, which lvsctl cannot hold', '-A -u 10.0.0.100:53 -s rr -o', /one-packet scheduling \(-o\), which lvsctl does not manage/],
      ['a line that changes a table', '-A -f 1 -s rr\n-E -f 1 -s wlc', /only -A and -a lines/],
      ['a line that is no ipvsadm command', 'IP Virtual Server version 1.2.1', /not an ipvsadm command/],
    ];
    for (const [what, text, reason] of refusals) {
      it(`refuses ${what}, naming the line`, () => {
        const err = parseError(text);
        const lines = text.split('\n');
        assert.equal(err.lineNumber, lines.length);
        assert.equal(err.line, lines[lines.length - 1]);
        assert.match(err.message, reason);
        assert.match(err.message, new RegExp(`^line ${lines.length}: `));
      });
    }
  });

  describe('round trip', () => {
    it('parse(renderIpvsState(table)) is the table, for any table', () => {
      fc.assert(
        fc.property(ipvsTable, (table) => {
          assert.deepEqual(sorted(parseIpvsSave(renderIpvsState(table))), sorted(table));
        }),
        { numRuns: 300 },
      );
    });

    it('rendering what was parsed gives the same text back', () => {
      fc.assert(
        fc.property(ipvsTable, (table) => {
          const text = renderIpvsState(table);
          assert.equal(renderIpvsState(parseIpvsSave(text)), text);
        }),
        { numRuns: 100 },
      );
    });
  });
});
