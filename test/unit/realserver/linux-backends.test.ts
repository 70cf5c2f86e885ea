import { strict as assert } from 'node:assert';
import { promises as fs, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ipv4ConfKey, procSysPath } from '../../../agent/kernel/sysctl';
import { LinuxAddresses, parseIpAddrJson } from '../../../agent/kernel/linux/addresses';
import { LinuxFtpConfigFiles } from '../../../agent/kernel/linux/ftp-config';
import { LinuxRoutes, parseIpRouteJson } from '../../../agent/kernel/linux/routes';
import { LinuxNeighbours, parseIpNeighProxyJson } from '../../../agent/kernel/linux/neighbours';
import { LinuxSysctl } from '../../../agent/kernel/linux/sysctl';
import { ok, recordingExec } from '../kernel/recording-exec';
import { tempDir } from '../../temp-dirs';

const ROOT = join(__dirname, '..', '..', '..', '..');
const fixture = (name: string): string => readFileSync(join(ROOT, 'test', 'fixtures', name), 'utf8');

describe('Linux addresses backend', () => {
  it('parses ip -j -d addr show: devices, kinds, up flags and addresses', () => {
    const devices = parseIpAddrJson(fixture('realserver/ip-j-d-addr-show-realserver-sample.json'));
    assert.deepEqual(devices.map((d) => [d.name, d.linkType, d.kind, d.up]), [
      ['lo', 'loopback', undefined, true],
      ['tunl0', 'ipip', 'ipip', true],
      ['lvs0', 'ether', 'dummy', true],
      ['eth0', 'ether', 'veth', true],
    ]);
    assert.deepEqual(devices[0].addresses[1], { family: 'inet', local: '10.0.0.100', prefixlen: 32 });
  });

  it('parses the lab director capture (no -d) and this machine\'s own output', () => {
    const lab = parseIpAddrJson(fixture('captured/d-ip-j-addr-show.txt'));
    assert.deepEqual(lab.map((d) => [d.name, d.up]), [['lo', true], ['tunl0', false], ['eth0', true]]);
    assert.ok(lab[2].addresses.some((a) => a.local === '10.0.0.100' && a.prefixlen === 24));
    const here = parseIpAddrJson(fixture('realserver/ip-j-d-addr-show-this-machine.json'));
    assert.equal(here[0].name, 'lo');
  });

  it('refuses output that is not the expected JSON, saying so', () => {
    assert.throws(() => parseIpAddrJson('Object "addr" is unknown'), /not JSON/);
    assert.throws(() => parseIpAddrJson('[{"ifindex":1}]'), /unexpected shape/);
  });

  it('reads with one ip call and writes every change in one ip -batch, argument arrays only', async () => {
    const { exec, calls } = recordingExec(() => ok('[]'));
    const addresses = new LinuxAddresses(exec);
    await addresses.list();
    await addresses.apply([
      { op: 'link-up', device: 'tunl0' },
      { op: 'add-address', device: 'lo', address: '10.0.0.100', prefixlen: 32 },
      { op: 'delete-address', device: 'lo', address: '2001:db8::1', prefixlen: 128 },
    ]);
    await addresses.loadIpipModule();
    assert.deepEqual(calls.map((c) => [c.file, ...c.args]), [
      ['ip', '-j', '-d', 'addr', 'show'],
      ['ip', '-batch', '-'],
      ['modprobe', 'ipip'],
    ]);
    assert.equal(calls[1].options.input, 'link set tunl0 up\naddr add 10.0.0.100/32 dev lo\naddr del 2001:db8::1/128 dev lo\n');
  });

  it('refuses a batch line that could smuggle in another command', async () => {
    const { exec, calls } = recordingExec(() => ok());
    const addresses = new LinuxAddresses(exec);
    await assert.rejects(addresses.apply([{ op: 'add-address', device: 'lo', address: '10.0.0.1/32 dev lo\nlink set eth0 down', prefixlen: 32 }]), /bad address/);
    await assert.rejects(addresses.apply([{ op: 'link-up', device: 'eth0 down\nlink' }]), /bad device name/);
    assert.equal(calls.length, 0);
  });
});

describe('Linux routes backend', () => {
  it('parses ip -j route show default', () => {
    assert.deepEqual(parseIpRouteJson(fixture('realserver/ip-j-route-show-default-this-machine.json')).length, 1);
    assert.deepEqual(parseIpRouteJson('[{"dst":"default","gateway":"10.0.0.1","dev":"eth0","flags":[]}]'), [{ gateway: '10.0.0.1', device: 'eth0', route: 0 }]);
    // each with its metric (the kernel sends by the lowest) and the route it belongs to
    assert.deepEqual(parseIpRouteJson('[{"dst":"default","gateway":"10.0.0.254","dev":"eth0","metric":10,"flags":[]},{"dst":"default","gateway":"10.0.0.1","dev":"eth0","metric":100,"flags":[]}]'),
      [{ gateway: '10.0.0.254', device: 'eth0', metric: 10, route: 0 }, { gateway: '10.0.0.1', device: 'eth0', metric: 100, route: 1 }]);
    assert.deepEqual(parseIpRouteJson(''), []);
  });

  it('makes a multipath default route one default route a hop', () => {
    const multipath = '[{"dst":"default","flags":[],"nexthops":[{"gateway":"10.1.0.1","dev":"br0","weight":1,"flags":[]},{"gateway":"10.2.0.1","dev":"t1","weight":1,"flags":["linkdown"]}]},{"type":"unreachable","dst":"default","metric":4000,"flags":[]}]';
    assert.deepEqual(parseIpRouteJson(multipath), [{ gateway: '10.1.0.1', device: 'br0', route: 0 }, { gateway: '10.2.0.1', device: 't1', route: 0 }, { metric: 4000, route: 1 }]);
  });

  it('asks for the family it is given', async () => {
    const { exec, calls } = recordingExec(() => ok('[]'));
    await new LinuxRoutes(exec).defaultRoutes('inet6');
    assert.deepEqual(calls[0].args, ['-j', '-6', 'route', 'show', 'default']);
  });
});

describe('Linux sysctl backend', () => {
  it('maps keys to /proc/sys paths, dots in a device name included', () => {
    assert.equal(procSysPath('net.ipv4.conf.all.arp_ignore'), '/proc/sys/net/ipv4/conf/all/arp_ignore');
    assert.equal(ipv4ConfKey('eth0.100', 'arp_ignore'), 'net.ipv4.conf.eth0/100.arp_ignore');
    assert.equal(procSysPath(ipv4ConfKey('eth0.100', 'arp_ignore')), '/proc/sys/net/ipv4/conf/eth0.100/arp_ignore');
    assert.throws(() => ipv4ConfKey('../../x', 'rp_filter'), /not a network interface name/);
    assert.throws(() => procSysPath('net..ipv4'), /not a sysctl name/);
  });

  it('reads procfs without a process, an absent device as undefined', async () => {
    const files: Record<string, string> = { '/proc/sys/net/ipv4/conf/all/arp_ignore': '1\n' };
    const sysctl = new LinuxSysctl({
      read: async (path) => {
        if (path in files) return files[path];
        throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      },
      write: async () => assert.fail('a read writes nothing'),
    });
    const values = await sysctl.read(['net.ipv4.conf.all.arp_ignore', 'net.ipv4.conf.tunl0.rp_filter']);
    assert.deepEqual([...values], [['net.ipv4.conf.all.arp_ignore', '1'], ['net.ipv4.conf.tunl0.rp_filter', undefined]]);
  });

  it('reads the real /proc/sys files without a trip to the thread pool (a verify reads six of them)', async () => {
    const pending = (): number => process.getActiveResourcesInfo().filter((r) => /^(FSReq|FileHandle|CloseReq)/.test(r)).length;
    const before = pending();
    const reading = new LinuxSysctl().read(['net.ipv4.conf.all.arp_ignore', 'net.ipv4.conf.lvsctl-no-such-device.arp_ignore']);
    // an asynchronous fs read would show here as an FSReqPromise waiting on libuv's threads
    assert.equal(pending(), before);
    const values = await reading;
    assert.match(values.get('net.ipv4.conf.all.arp_ignore') ?? '', /^[0-9]+$/);
    assert.equal(values.get('net.ipv4.conf.lvsctl-no-such-device.arp_ignore'), undefined);
  });

  it('writes each key to its /proc/sys file, no process; a bad value refuses them all before any write', async () => {
    const written: string[] = [];
    const sysctl = new LinuxSysctl({ read: async () => '', write: async (path, text) => { written.push(`${path}=${text.trim()}`); } });
    await sysctl.write([['net.ipv4.conf.all.arp_ignore', '1'], ['net.ipv4.conf.eth0.arp_announce', '2']]);
    assert.deepEqual(written, ['/proc/sys/net/ipv4/conf/all/arp_ignore=1', '/proc/sys/net/ipv4/conf/eth0/arp_announce=2']);
    written.length = 0;
    await assert.rejects(sysctl.write([['net.ipv4.conf.all.arp_ignore', '1'], ['net.ipv4.conf.all.arp_announce', '2; reboot']]), /refusing sysctl value/);
    assert.deepEqual(written, []);
  });

  it('says which file it could not write and why', async () => {
    const sysctl = new LinuxSysctl({ read: async () => '', write: async () => { throw Object.assign(new Error('EACCES'), { code: 'EACCES' }); } });
    await assert.rejects(sysctl.write([['net.ipv4.conf.all.arp_ignore', '1']]), /cannot set \/proc\/sys\/net\/ipv4\/conf\/all\/arp_ignore to 1: EACCES \(the agent must run as root\)/);
  });
});

describe('Linux FTP config files', () => {
  it('reads at most the bound and says when it cut', async () => {
    const dir = await tempDir('lvsctl-ftp-');
    await fs.writeFile(join(dir, 'vsftpd.conf'), 'x'.repeat(100));
    const files = new LinuxFtpConfigFiles();
    assert.deepEqual(await files.readText(join(dir, 'vsftpd.conf'), 10), { ok: true, text: 'x'.repeat(10), truncated: true });
    assert.deepEqual(await files.readText(join(dir, 'vsftpd.conf'), 100), { ok: true, text: 'x'.repeat(100), truncated: false });
    assert.deepEqual(await files.readText(join(dir, 'nope.conf'), 10), { ok: false, reason: 'it does not exist' });
    assert.equal(await files.entryKind(dir), 'directory');
    assert.equal(await files.entryKind(join(dir, 'vsftpd.conf')), 'file');
    assert.equal(await files.entryKind(join(dir, 'nope')), 'missing');
  });
});

describe('Linux IPv6 proxy neighbours backend', () => {
  it('runs ip -j -6 neigh show proxy and reads the entries as iproute2 6.x prints them', async () => {
    const { exec, calls } = recordingExec(() => ok('[{"dst":"fd00::50","dev":"eth0","proxy":null}]\n'));
    assert.deepEqual(await new LinuxNeighbours(exec).ipv6Proxies(), [{ address: 'fd00::50', device: 'eth0' }]);
    assert.deepEqual(calls.map((c) => [c.file, ...c.args].join(' ')), ['ip -j -6 neigh show proxy']);
  });
  it('takes no output as no entries and names malformed output', () => {
    assert.deepEqual(parseIpNeighProxyJson(''), []);
    assert.throws(() => parseIpNeighProxyJson('{'), /not JSON/);
    assert.throws(() => parseIpNeighProxyJson('[{"dev":"eth0"}]'), /unexpected shape/);
  });
});
