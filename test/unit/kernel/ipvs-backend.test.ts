// --ipvs auto|netlink|ipvsadm: which door the agent takes, and what it says about it.
import { strict as assert } from 'node:assert';
import { chooseIpvsBackend } from '../../../agent/kernel/linux/ipvs-backend';
import { LinuxIpvs } from '../../../agent/kernel/linux/ipvs';
import { NetlinkIpvs } from '../../../agent/kernel/linux/netlink-ipvs';
import { resolveAgentConfig } from '../../../agent/server/agent-config';
import { FakeGenlKernel } from './fake-genl-kernel';
import { exitWith, ok, recordingExec } from './recording-exec';

function logRecorder(): { lines: string[]; log: { info(m: string, meta?: object): void; warn(m: string, meta?: object): void } } {
  const lines: string[] = [];
  const line = (level: string) => (m: string, meta?: object): void => {
    lines.push(`${level} ${m}${meta ? ` ${JSON.stringify(meta)}` : ''}`);
  };
  return { lines, log: { info: line('info'), warn: line('warn') } };
}

const { exec } = recordingExec(() => ok());

describe('choosing the IPVS backend', () => {
  it('auto: netlink when the kernel has the IPVS family', async () => {
    const kernel = new FakeGenlKernel();
    const { lines, log } = logRecorder();
    const chosen = await chooseIpvsBackend('auto', { exec, log, loadSockets: () => kernel.sockets() });
    assert.equal(chosen.backend, 'netlink');
    assert.ok(chosen.ipvs instanceof NetlinkIpvs);
    assert.deepEqual(lines, ['info IPVS through netlink (--ipvs auto found the IPVS generic netlink family)']);
    assert.equal(kernel.openSockets, 0, 'the probe closed its socket');
  });

  it('auto: loads ip_vs (a director just booted) and takes netlink, saying how to load it at boot', async () => {
    const kernel = new FakeGenlKernel();
    kernel.ipvsLoaded = false;
    const { exec: modprobe, calls } = recordingExec((file) => {
      if (file === 'modprobe') kernel.ipvsLoaded = true;
      return ok();
    });
    const { lines, log } = logRecorder();
    const chosen = await chooseIpvsBackend('auto', { exec: modprobe, log, loadSockets: () => kernel.sockets() });
    assert.equal(chosen.backend, 'netlink');
    assert.deepEqual(calls.map((c) => [c.file, ...c.args]), [['modprobe', 'ip_vs']]);
    assert.deepEqual(lines, [
      'info loaded the ip_vs module (modprobe ip_vs): the kernel had no IPVS yet; load it at boot with echo ip_vs > /etc/modules-load.d/ipvs.conf',
      'info IPVS through netlink (--ipvs auto found the IPVS generic netlink family)',
    ]);
    assert.equal(kernel.openSockets, 0, 'both probes closed their sockets');
  });

  it('auto: ipvsadm when the family cannot be resolved and modprobe cannot load it, said once with why', async () => {
    const kernel = new FakeGenlKernel();
    kernel.ipvsLoaded = false;
    const { exec: refusing } = recordingExec((file, args) => exitWith(file, args, 1, 'modprobe: FATAL: Module ip_vs not found in directory /lib/modules/6.1.0'));
    const { lines, log } = logRecorder();
    const chosen = await chooseIpvsBackend('auto', { exec: refusing, log, loadSockets: () => kernel.sockets() });
    assert.equal(chosen.backend, 'ipvsadm');
    assert.ok(chosen.ipvs instanceof LinuxIpvs);
    assert.equal(lines.length, 1);
    assert.match(lines[0] as string, /^warn IPVS through ipvsadm: netlink is not usable here \{"why":"the kernel has no \\"IPVS\\" generic netlink family \(ip_vs is not loaded\), and modprobe ip_vs failed: .*Module ip_vs not found/);
  });

  it('auto: does not run modprobe when the family is there', async () => {
    const kernel = new FakeGenlKernel();
    const { exec: recorded, calls } = recordingExec(() => ok());
    await chooseIpvsBackend('auto', { exec: recorded, log: logRecorder().log, loadSockets: () => kernel.sockets() });
    assert.deepEqual(calls, []);
  });

  it('auto: ipvsadm when the netlink package cannot load', async () => {
    const { lines, log } = logRecorder();
    const chosen = await chooseIpvsBackend('auto', { exec, log, loadSockets: () => new Error('the netlink package does not load: no prebuild for linux-riscv64') });
    assert.equal(chosen.backend, 'ipvsadm');
    assert.equal(lines.length, 1);
    assert.match(lines[0], /no prebuild for linux-riscv64/);
  });

  it('netlink by name: no fallback, the reason and the way out', async () => {
    const { log } = logRecorder();
    await assert.rejects(chooseIpvsBackend('netlink', { exec, log, loadSockets: () => new Error('the netlink package does not load: x') }), /^Error: --ipvs netlink: the netlink package does not load: x; use --ipvs ipvsadm \(or auto\)$/);
    const kernel = new FakeGenlKernel();
    kernel.ipvsLoaded = false;
    const { exec: refusing } = recordingExec((file, args) => exitWith(file, args, 1, 'modprobe: FATAL: Module ip_vs not found'));
    const named = logRecorder();
    assert.equal((await chooseIpvsBackend('netlink', { exec: refusing, log: named.log, loadSockets: () => kernel.sockets() })).backend, 'netlink');
    assert.match(named.lines[0] as string, /^warn IPVS through netlink \(--ipvs netlink\), though it is not usable yet: each apply says so until it is .*modprobe ip_vs failed/);
  });

  it('ipvsadm by name: never touches netlink', async () => {
    const { lines, log } = logRecorder();
    const chosen = await chooseIpvsBackend('ipvsadm', { exec, log, loadSockets: () => { throw new Error('must not load'); } });
    assert.equal(chosen.backend, 'ipvsadm');
    assert.deepEqual(lines, ['info IPVS through ipvsadm (--ipvs ipvsadm)']);
  });
});

describe('--ipvs', () => {
  const options = { role: 'director', listen: '127.0.0.1:7400', stateDir: '/var/lib/lvsctl', iptables: 'auto', logLevel: 'info', insecure: true };

  it('is auto unless given, and takes netlink or ipvsadm', () => {
    assert.equal(resolveAgentConfig(options).ipvs, 'auto');
    assert.equal(resolveAgentConfig({ ...options, ipvs: 'netlink' }).ipvs, 'netlink');
    assert.equal(resolveAgentConfig({ ...options, ipvs: 'ipvsadm' }).ipvs, 'ipvsadm');
  });

  it('refuses anything else, naming the choices', () => {
    assert.throws(() => resolveAgentConfig({ ...options, ipvs: 'ioctl' }), /^AgentConfigError: --ipvs "ioctl": must be one of auto, netlink, ipvsadm$/);
  });
});
