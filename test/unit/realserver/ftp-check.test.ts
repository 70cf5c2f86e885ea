import { strict as assert } from 'node:assert';
import type { RealserverPlan } from '../../../lvs/host-plan';
import { FTP_CONFIG_MAX_BYTES } from '../../../agent/kernel/ftp-config';
import { drReadyHost, duty, realserverPlan, rig } from './rig';

const ftpPlan = (ftp: RealserverPlan['ftp']): RealserverPlan =>
  realserverPlan({ duties: [duty({ service: 'ftp', ftpPassivePorts: '10000:12000' })], ...(ftp ? { ftp } : {}) });
const vsftpd = ftpPlan({ server: 'vsftpd', config: '/etc/vsftpd.conf' });

async function runWith(files: Record<string, string>, plan: RealserverPlan) {
  const host = drReadyHost();
  for (const [path, text] of Object.entries(files)) host.addFile(path, text);
  return (await rig(host)).run(plan);
}

describe('FTP passive range check', () => {
  it('passes a vsftpd range inside the marked range', async () => {
    const out = await runWith({ '/etc/vsftpd.conf': 'pasv_min_port=10000\npasv_max_port=11000\n' }, vsftpd);
    assert.equal(out.result.outcome, 'ok', out.result.message);
    assert.match(out.step('check-ftp-passive', '/etc/vsftpd.conf').message, /vsftpd passive ports 10000:11000 .* inside the marked range 10000:12000 of service ftp/);
  });

  it('fails a vsftpd range reaching outside, with the edit that fixes it', async () => {
    const out = await runWith({ '/etc/vsftpd.conf': 'pasv_min_port=10000\npasv_max_port=13000\n' }, vsftpd);
    const step = out.step('check-ftp-passive');
    assert.equal(step.status, 'failed');
    assert.match(step.message, /may use passive ports 10000:13000 .* outside the marked range 10000:12000/);
    assert.equal(step.fix, 'set pasv_enable=YES, pasv_min_port=10000 and pasv_max_port=12000 in /etc/vsftpd.conf and restart vsftpd');
  });

  it('fails a vsftpd without any range (any port)', async () => {
    const out = await runWith({ '/etc/vsftpd.conf': 'listen=YES\n' }, vsftpd);
    assert.match(out.step('check-ftp-passive').message, /may use passive ports 1024:65535 \(pasv_min_port=0, pasv_max_port=0 leaves vsftpd free/);
  });

  it('fails a vsftpd with passive mode disabled', async () => {
    const out = await runWith({ '/etc/vsftpd.conf': 'pasv_enable=NO\n' }, vsftpd);
    const step = out.step('check-ftp-passive');
    assert.equal(step.status, 'failed');
    assert.match(step.message, /pasv_enable=NO \(line 1\) turns passive mode off/);
  });

  it('fails a missing config, naming its path', async () => {
    const out = await runWith({}, vsftpd);
    const step = out.step('check-ftp-passive', '/etc/vsftpd.conf');
    assert.equal(step.status, 'failed');
    assert.match(step.message, /cannot read \/etc\/vsftpd\.conf: it does not exist/);
    assert.match(step.fix ?? '', /make \/etc\/vsftpd\.conf readable by the agent, or correct the ftp\.config path/);
  });

  it('refuses to judge a config larger than the read bound', async () => {
    const big = 'pasv_min_port=10000\npasv_max_port=12000\n' + '#'.repeat(FTP_CONFIG_MAX_BYTES);
    const out = await runWith({ '/etc/vsftpd.conf': big }, vsftpd);
    assert.match(out.step('check-ftp-passive').message, /larger than 1048576 bytes/);
  });

  it('reads pure-ftpd.conf', async () => {
    const plan = ftpPlan({ server: 'pure-ftpd', config: '/etc/pure-ftpd/pure-ftpd.conf' });
    const ok = await runWith({ '/etc/pure-ftpd/pure-ftpd.conf': 'PassivePortRange 10000 12000\n' }, plan);
    assert.equal(ok.result.outcome, 'ok', ok.result.message);
    const wide = await runWith({ '/etc/pure-ftpd/pure-ftpd.conf': 'PassivePortRange 30000 50000\n' }, plan);
    assert.equal(wide.step('check-ftp-passive').fix, 'set "PassivePortRange 10000 12000" in /etc/pure-ftpd/pure-ftpd.conf and restart pure-ftpd');
  });

  it('reads the PassivePortRange file of a Debian pure-ftpd conf directory', async () => {
    const plan = ftpPlan({ server: 'pure-ftpd', config: '/etc/pure-ftpd/conf' });
    const ok = await runWith({ '/etc/pure-ftpd/conf/PassivePortRange': '10000 12000\n', '/etc/pure-ftpd/conf/NoAnonymous': 'yes\n' }, plan);
    assert.equal(ok.result.outcome, 'ok', ok.result.message);
    assert.equal(ok.step('check-ftp-passive').target, '/etc/pure-ftpd/conf/PassivePortRange');
    const none = await runWith({ '/etc/pure-ftpd/conf/NoAnonymous': 'yes\n' }, plan);
    const step = none.step('check-ftp-passive');
    assert.equal(step.status, 'failed');
    assert.equal(step.fix, "echo '10000 12000' > /etc/pure-ftpd/conf/PassivePortRange && systemctl restart pure-ftpd");
  });

  it('also finds conf/PassivePortRange when given /etc/pure-ftpd', async () => {
    const plan = ftpPlan({ server: 'pure-ftpd', config: '/etc/pure-ftpd' });
    const out = await runWith({ '/etc/pure-ftpd/conf/PassivePortRange': '10000 12000\n' }, plan);
    assert.equal(out.step('check-ftp-passive').target, '/etc/pure-ftpd/conf/PassivePortRange');
    assert.equal(out.result.outcome, 'ok');
  });

  it('skips, and says so, an FTP duty on a host whose plan names no FTP server', async () => {
    const out = await runWith({}, ftpPlan(undefined));
    const step = out.step('check-ftp-passive', 'ftp');
    assert.equal(step.status, 'skipped');
    assert.match(step.fix ?? '', /add "ftp": .* to hosts\.web1 in plan\.json/);
    assert.equal(out.result.outcome, 'ok');
  });

  it('never rewrites the FTP config, even in prepare mode', async () => {
    const host = drReadyHost();
    host.addFile('/etc/vsftpd.conf', 'listen=YES\n');
    const out = await (await rig(host)).run({ ...vsftpd, prepare: true }, 'apply');
    assert.equal(out.step('check-ftp-passive').status, 'failed');
    assert.equal(host.files.get('/etc/vsftpd.conf'), 'listen=YES\n');
  });
});
