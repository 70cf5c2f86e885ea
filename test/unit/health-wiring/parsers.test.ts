import assert from 'assert';
import { readFileSync } from 'fs';
import { join } from 'path';
import { filterConnections, parseIpvsConnections } from '../../../lvs/formats/ipvs-connections';
import { listensOn, parseProcNetTcp } from '../../../agent/kernel/listening-sockets';
import { IpvsOutputError } from '../../../lvs/formats/ipvs-stats';

const lab = (name: string): string => readFileSync(join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'captured', name), 'utf8');

describe('ipvsadm -Lcn parser', () => {
  it('reads every entry of the lab capture, with expiry in seconds', () => {
    const entries = parseIpvsConnections(lab('ipvsadm-Lcn.txt'));
    assert.strictEqual(entries.length, 6);
    assert.deepStrictEqual(entries[0], {
      protocol: 'TCP', expiresSeconds: 90, state: 'FIN_WAIT', client: { address: '10.0.0.200', port: 49914 },
      virtual: { address: '10.0.0.100', port: 80 }, destination: { address: '10.0.0.12', port: 80 }, template: false,
    });
  });

  it('flags templates (client port 0) and reads a fwmark template\'s mark from its virtual address', () => {
    const entries = parseIpvsConnections(lab('ipvsadm-Lcn-with-fwmark.txt'));
    const fw = entries.find((e) => e.protocol === 'IP');
    assert.deepStrictEqual({ template: fw?.template, fwmark: fw?.fwmark, state: fw?.state, expires: fw?.expiresSeconds }, { template: true, fwmark: 1, state: 'NONE', expires: 358 });
    assert.strictEqual(entries.filter((e) => e.template).length, 3);
  });

  it('reads IPv6 entries written in brackets', () => {
    const [e] = parseIpvsConnections('TCP 01:00  ESTABLISHED [2001:db8::200]:40000 [2001:db8::100]:80 [2001:db8::11]:80\n');
    assert.deepStrictEqual([e.client.address, e.virtual.port, e.destination.address], ['2001:db8::200', 80, '2001:db8::11']);
  });

  it('names the line and what it expected when the output is not ipvsadm\'s', () => {
    assert.throws(() => parseIpvsConnections('IPVS connection entries\npro expire state source virtual destination\nTCP soon FIN 1 2 3\n'),
      (err: unknown) => err instanceof IpvsOutputError && /ipvsadm -Lcn output, line 3: expected an expiry MM:SS, not "soon"/.test(err.message));
  });

  it('filters by client, VIP and realserver and stops at the limit', () => {
    const entries = parseIpvsConnections(lab('ipvsadm-Lcn-with-fwmark.txt'));
    assert.strictEqual(filterConnections(entries, { client: '10.0.0.200', limit: 100 }).length, 7);
    assert.strictEqual(filterConnections(entries, { vip: '10.0.0.100', realserver: '10.0.0.12', limit: 100 }).length, 7);
    assert.strictEqual(filterConnections(entries, { realserver: '10.0.0.11', limit: 100 }).length, 0);
    assert.strictEqual(filterConnections(entries, { limit: 2 }).length, 2);
  });
});

describe('/proc/net/tcp listening sockets', () => {
  const tcp = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0',
    '   1: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0 100 0 0 10 0',
    '   2: 0B00000A:0016 C800000A:D3A2 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0 100 0 0 10 0',
  ].join('\n');
  const tcp6 = [
    '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 00000000000000000000000000000000:01BB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4 1 0 100 0 0 10 0',
    '   1: B80D0120000000000000000011000000:0015 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5 1 0 100 0 0 10 0',
  ].join('\n');

  it('reads the LISTEN sockets of a little-endian host, skipping established ones', () => {
    assert.deepStrictEqual(parseProcNetTcp(tcp, 'LE'), [{ address: '0.0.0.0', port: 80 }, { address: '127.0.0.1', port: 8080 }]);
  });

  it('reads IPv6 addresses word by word and writes them compressed', () => {
    assert.deepStrictEqual(parseProcNetTcp(tcp6, 'LE'), [{ address: '::', port: 443 }, { address: '2001:db8::11', port: 21 }]);
  });

  it('counts a wildcard or one of the given addresses as listening, not loopback', () => {
    const sockets = parseProcNetTcp(tcp, 'LE');
    assert.strictEqual(listensOn(sockets, 80, ['10.0.0.100']), true);
    assert.strictEqual(listensOn(sockets, 8080, ['10.0.0.100']), false);
  });

  it('takes an IPv6 address however the plan spells it: the kernel writes 2001:db8::11', () => {
    const sockets = [{ address: '2001:db8::11', port: 443 }, { address: '::ffff:10.0.0.12', port: 80 }];
    assert.strictEqual(listensOn(sockets, 443, ['2001:DB8:0::11']), true);
    assert.strictEqual(listensOn(sockets, 443, ['2001:db8::12']), false);
    assert.strictEqual(listensOn(sockets, 80, ['10.0.0.12']), true);
    assert.strictEqual(listensOn(sockets, 80, ['::ffff:10.0.0.12']), true);
  });

  it('counts a wildcard for its own family: 0.0.0.0 for IPv4 only, :: for IPv6 and for IPv4 unless it is IPV6_V6ONLY', () => {
    assert.strictEqual(listensOn([{ address: '0.0.0.0', port: 80 }], 80, ['2001:db8::100']), false);
    assert.strictEqual(listensOn([{ address: '::', port: 80 }], 80, ['10.0.0.100']), true);
    // nginx's "listen [::]:80": an IPv4 client to the VIP is refused
    assert.strictEqual(listensOn([{ address: '::', port: 80, v6only: true }], 80, ['10.0.0.100']), false);
    assert.strictEqual(listensOn([{ address: '::', port: 80, v6only: true }], 80, ['2001:db8::100']), true);
  });
});
