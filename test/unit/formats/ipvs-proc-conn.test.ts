// /proc/net/ip_vs_conn read directly gives the entries `ipvsadm -Lcn` prints from it: the
// captured -Lcn output next to the same connections as the kernel's file writes them.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseIpvsConnections, type ConnectionEntry, type ConnectionFilter } from '../../../lvs/formats/ipvs-connections';
import { parseIpvsProcConnections, ProcConnectionsReader } from '../../../lvs/formats/ipvs-proc-conn';

const CAPTURED = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'captured');

// ipvsadm-Lcn.txt's six entries as ip_vs_conn_seq_show() writes them (expiry in seconds)
const PROC = `Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData
TCP 0A0000C8 C2FA 0A000064 0050 0A00000C 0050 FIN_WAIT         90
TCP 0A0000C8 B24A 0A000064 1F91 0A00000C 1F91 SYN_RECV         46
TCP 0A0000C8 AEE6 0A000064 0050 0A00000C 0050 FIN_WAIT         98
TCP 0A000000 0000 0A000064 0050 0A00000C 0050 ASSURED         337
TCP 0A0000C8 0000 0A000064 0000 0A00000C 0000 NONE            586
TCP 0A0000C8 9DBC 0A000064 0050 0A00000C 0050 FIN_WAIT         79
`;

describe('/proc/net/ip_vs_conn', () => {
  it('reads as the captured ipvsadm -Lcn output of the same table', () => {
    const viaIpvsadm = parseIpvsConnections(readFileSync(join(CAPTURED, 'ipvsadm-Lcn.txt'), 'utf8'));
    assert.deepEqual(parseIpvsProcConnections(PROC), viaIpvsadm);
  });

  it('reads a firewall-mark template (its mark where the VIP goes), IPv6 entries, and a persistence engine\'s data', () => {
    const text = [
      'Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData',
      'IP  0A0000C8 0000 00000001 0000 0A00000C 0000 NONE            358',
      'TCP 2001:0db8:0000:0000:0000:0000:0000:00c8 D431 2001:0db8:0000:0000:0000:0000:0000:0100 01BB 2001:0db8:0000:0000:0000:0000:0000:0011 01BB ESTABLISHED     899',
      'UDP 0A0000C8 13C4 0A000064 13C4 0A00000B 13C4 UDP             299 sip 1234@host',
    ].join('\n');
    const [mark, v6, sip] = parseIpvsProcConnections(text);
    assert.deepEqual(mark, { protocol: 'IP', expiresSeconds: 358, state: 'NONE', client: { address: '10.0.0.200', port: 0 }, virtual: { address: '0.0.0.1', port: 0 }, fwmark: 1, destination: { address: '10.0.0.12', port: 0 }, template: true });
    assert.deepEqual([v6.client, v6.virtual, v6.destination], [{ address: '2001:db8::c8', port: 54321 }, { address: '2001:db8::100', port: 443 }, { address: '2001:db8::11', port: 443 }]);
    assert.equal(sip.destination.address, '10.0.0.11');
  });

  it('reads the file fed in pieces cut anywhere as it reads it whole, and names a bad line by its number across pieces', () => {
    const whole = parseIpvsProcConnections(PROC);
    const fed = (text: string, cut: number, filter?: ConnectionFilter): ConnectionEntry[] => {
      const reader = new ProcConnectionsReader(filter);
      reader.feed(text.slice(0, cut));
      reader.feed(text.slice(cut));
      return reader.end();
    };
    for (let cut = 1; cut < PROC.length; cut += 7) assert.deepEqual(fed(PROC, cut), whole, `cut at ${cut}`);
    const broken = PROC.replace('SYN_RECV         46', 'SYN_RECV         soon');
    assert.throws(() => fed(broken, 100), /ip_vs_conn output, line 3: expected an expiry in seconds/);
  });

  it('keeps only the entries that pass the filter, and is full at its limit', () => {
    const reader = new ProcConnectionsReader({ realserver: '10.0.0.12', client: '10.0.0.200', limit: 2 });
    reader.feed(PROC.slice(0, 220));
    assert.equal(reader.full, true);
    assert.deepEqual(reader.end().map((e) => e.client.port), [0xc2fa, 0xb24a]);
    const persistent = new ProcConnectionsReader({ client: '10.0.0.0', limit: 10 });
    persistent.feed(PROC);
    assert.deepEqual(persistent.end().map((e) => e.state), ['ASSURED']);
  });

  it('names the line it cannot read', () => {
    assert.throws(() => parseIpvsProcConnections('TCP 0A0000C8 C2FA'), /\/proc\/net\/ip_vs_conn output, line 1: expected/);
  });
});
