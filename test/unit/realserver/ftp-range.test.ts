import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { parsePortRange, pureFtpdConfDirPassiveRange, pureFtpdConfPassiveRange, vsftpdPassiveRange } from '../../../agent/realserver/ftp-range';

describe('vsftpd passive range', () => {
  it('reads pasv_min_port and pasv_max_port', () => {
    const found = vsftpdPassiveRange('listen=YES\n# passive\npasv_min_port=10000\npasv_max_port=12000\n');
    assert.deepEqual(found, { kind: 'range', range: { min: 10000, max: 12000 }, setting: 'pasv_min_port=10000, pasv_max_port=12000' });
  });

  it('uses any port when neither is set (vsftpd defaults 0 and 0)', () => {
    const found = vsftpdPassiveRange('listen=YES\n');
    assert.equal(found.kind, 'any');
    assert.deepEqual(found.kind === 'any' && found.range, { min: 1024, max: 65535 });
  });

  it('lets the last occurrence win, as vsftpd does, and tolerates CRLF', () => {
    const found = vsftpdPassiveRange('pasv_min_port=5000\r\npasv_min_port=10000\r\npasv_max_port=10100\r\n');
    assert.deepEqual(found.kind === 'range' && found.range, { min: 10000, max: 10100 });
  });

  it('ignores a maximum below the minimum, as vsftpd does (then 65535)', () => {
    const found = vsftpdPassiveRange('pasv_min_port=10000\npasv_max_port=900\n');
    assert.deepEqual(found.kind === 'range' && found.range, { min: 10000, max: 65535 });
  });

  it('reports pasv_enable=NO as disabled', () => {
    assert.equal(vsftpdPassiveRange('pasv_enable=NO\npasv_min_port=10000\npasv_max_port=12000\n').kind, 'disabled');
  });

  it('calls a line with spaces around the name invalid, since vsftpd refuses to start on it', () => {
    const found = vsftpdPassiveRange('pasv_min_port = 10000\n');
    assert.equal(found.kind, 'invalid');
    assert.match(found.kind === 'invalid' ? found.reason : '', /line 1: .* vsftpd refuses it/);
  });

  it('calls a non-numeric port and a bad boolean invalid', () => {
    assert.equal(vsftpdPassiveRange('pasv_min_port=ten\n').kind, 'invalid');
    // as vsftpd reads numbers: atoi past a trailing blank, octal after a leading 0
    assert.deepEqual(vsftpdPassiveRange('pasv_min_port=10000 \npasv_max_port=12000\t\n'), { kind: 'range', range: { min: 10000, max: 12000 }, setting: 'pasv_min_port=10000, pasv_max_port=12000' });
    assert.deepEqual(vsftpdPassiveRange('pasv_min_port=010000\npasv_max_port=012000\n'), { kind: 'range', range: { min: 4096, max: 5120 }, setting: 'pasv_min_port=4096, pasv_max_port=5120' });
    assert.equal(vsftpdPassiveRange('pasv_enable=maybe\n').kind, 'invalid');
  });

  it('never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 400 }), (text) => {
      const found = vsftpdPassiveRange(text);
      assert.ok(['range', 'any', 'disabled', 'invalid'].includes(found.kind));
    }));
  });
});

describe('pure-ftpd passive range', () => {
  it('reads PassivePortRange from pure-ftpd.conf, comments ignored', () => {
    const found = pureFtpdConfPassiveRange('# PassivePortRange 1 2\nChrootEveryone yes\nPassivePortRange   10000 12000\n');
    assert.deepEqual(found.kind === 'range' && found.range, { min: 10000, max: 12000 });
  });

  it('uses any port without PassivePortRange', () => {
    assert.equal(pureFtpdConfPassiveRange('ChrootEveryone yes\n').kind, 'any');
    assert.equal(pureFtpdConfDirPassiveRange(undefined).kind, 'any');
  });

  it('reads the value-only file of the Debian conf directory', () => {
    assert.deepEqual(pureFtpdConfDirPassiveRange('10000 12000\n'), { kind: 'range', range: { min: 10000, max: 12000 }, setting: 'PassivePortRange 10000 12000' });
  });

  it('calls a reversed or malformed range invalid', () => {
    assert.equal(pureFtpdConfPassiveRange('PassivePortRange 12000 10000\n').kind, 'invalid');
    assert.equal(pureFtpdConfDirPassiveRange('10000-12000\n').kind, 'invalid');
  });
});

describe('plan port ranges', () => {
  it('parses "N:M" and refuses reversed, zero and out-of-range ports', () => {
    assert.deepEqual(parsePortRange('10000:12000'), { min: 10000, max: 12000 });
    for (const bad of ['12000:10000', '0:10', '1:65536', '10000', '10000:12000:1', ' 1:2']) assert.equal(parsePortRange(bad), undefined, bad);
  });
});
