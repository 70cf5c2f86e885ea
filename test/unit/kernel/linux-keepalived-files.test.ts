// The files the director's keepalived door writes, on a real file system: keepalived.conf holds
// the group's VRRP password, so no one but root may read it.
import { strict as assert } from 'node:assert';
import { statSync } from 'node:fs';
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
});
