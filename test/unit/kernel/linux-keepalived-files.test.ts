// The files the director's keepalived door writes, on a real file system: keepalived.conf holds
// the group's VRRP password, so no one but root may read it.
import { strict as assert } from 'node:assert';
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinuxKeepalived } from '../../../agent/kernel/linux/keepalived';
import { tempDir } from '../../temp-dirs';
import { recordingExec, ok } from './recording-exec';

describe('the keepalived door\'s files', () => {
  it('writes keepalived.conf readable by its owner only (mode 0600): it holds auth_pass', async () => {
    const dir = await tempDir('lvsctl-keepalived-files-');
    const keepalived = createLinuxKeepalived({ configPath: join(dir, 'keepalived.conf'), pidFile: join(dir, 'none.pid'), stateDir: dir, exec: recordingExec(() => ok()).exec });

    await keepalived.writeConfig('vrrp_instance LVSCTL_front {\n  authentication {\n    auth_type PASS\n    auth_pass s3cret\n  }\n}\n');

    assert.equal(statSync(join(dir, 'keepalived.conf')).mode & 0o777, 0o600);
  });

  it('makes a file an earlier agent wrote 0644 its owner\'s only, and leaves an absent one absent', async () => {
    const dir = await tempDir('lvsctl-keepalived-files-');
    const file = join(dir, 'keepalived.conf');
    const keepalived = createLinuxKeepalived({ configPath: file, pidFile: join(dir, 'none.pid'), stateDir: dir, exec: recordingExec(() => ok()).exec });
    await keepalived.keepConfigPrivate();
    writeFileSync(file, 'auth_pass s3cret\n');
    chmodSync(file, 0o644);

    await keepalived.keepConfigPrivate();

    assert.equal(statSync(file).mode & 0o777, 0o600);
  });
});
