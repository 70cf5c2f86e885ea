// The .deb's control file declares what the agent runs on the host.
import { strict as assert } from 'node:assert';
import { controlFile, DEPENDS, GENERATED_FILES, RECOMMENDS, SUGGESTS } from '../../../scripts/package/deb';

describe('the .deb control file', () => {
  const control = controlFile({ version: '0.1.0', arch: 'x64' }, 180_000);

  it('names the package, version, Debian architecture and size', () => {
    assert.match(control, /^Package: lvsctl$/m);
    assert.match(control, /^Version: 0\.1\.0$/m);
    assert.match(control, /^Architecture: amd64$/m);
    assert.match(control, /^Installed-Size: 180000$/m);
  });

  it('depends on what the agent executes and links; recommends ipvsadm; suggests keepalived', () => {
    assert.ok(control.split('\n').includes(`Depends: ${DEPENDS.join(', ')}`), control);
    for (const tool of ['iproute2', 'iptables', 'libc6']) assert.ok(DEPENDS.some((d) => d.startsWith(tool)), tool);
    assert.ok(RECOMMENDS.includes('ipvsadm'));
    assert.ok(SUGGESTS.includes('keepalived'));
  });

  it('is a valid paragraph: one field a line, the description continued with a space', () => {
    for (const line of control.trimEnd().split('\n')) assert.match(line, /^([A-Z][A-Za-z-]+: \S.*| \S.*)$/, line);
  });

  it('puts completions where bash, zsh and fish look', () => {
    assert.deepEqual(GENERATED_FILES.map((g) => g.to), [
      'usr/share/bash-completion/completions/lvsctl',
      'usr/share/zsh/vendor-completions/_lvsctl',
      'usr/share/fish/vendor_completions.d/lvsctl.fish',
    ]);
  });
});
