// Include in an ssh config, followed as ssh follows it: relative to ~/.ssh, ~ expanded,
// wildcards in lexical order, nested, a block around an Include kept for the lines after it.
import assert from 'assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandIncludes, SshIncludeError, type IncludeFiles } from '../../../controller/inventory/ssh-config-include';
import { readSshHostNames, sshHostNamesFromText } from '../../../controller/inventory/ssh-config';

function memoryFiles(files: Record<string, string>): IncludeFiles {
  return {
    read: (path) => files[path],
    list: (dir) => Object.keys(files).filter((p) => p.startsWith(`${dir}/`) && !p.slice(dir.length + 1).includes('/')).map((p) => p.slice(dir.length + 1)),
  };
}

const names = (text: string, files: Record<string, string>) => sshHostNamesFromText(expandIncludes(text, { home: '/home/op', files: memoryFiles(files) }));

describe('ssh config Include', () => {
  it('follows a relative path from ~/.ssh, ~, and wildcards in lexical order (the first HostName wins)', () => {
    const hostNames = names('Include config.d/*.conf ~/more.conf\nHost lvs1\n  HostName 10.9.9.9\n', {
      '/home/op/.ssh/config.d/b.conf': 'Host web1\n  HostName 10.0.0.12\n',
      '/home/op/.ssh/config.d/a.conf': 'Host web1\n  HostName 10.0.0.11\nHost lvs1\n  HostName 10.0.0.1\n',
      '/home/op/.ssh/config.d/skip.txt': 'Host web2\n  HostName 10.0.0.99\n',
      '/home/op/more.conf': 'Host web2\n  HostName 10.0.0.13\n',
    });
    assert.strictEqual(hostNames('web1'), '10.0.0.11');
    assert.strictEqual(hostNames('web2'), '10.0.0.13');
    assert.strictEqual(hostNames('lvs1'), '10.0.0.1');
  });

  it('keeps the lines after an Include in the block around it, and global ones global', () => {
    const hostNames = names('Host web*\n  Include extra\n  HostName %h.example.test\nHost lvs1\n  Include extra\n', {
      '/home/op/.ssh/extra': 'Host db1\n  HostName 10.0.0.50\n',
    });
    assert.strictEqual(hostNames('web3'), 'web3.example.test');
    assert.strictEqual(hostNames('db1'), '10.0.0.50');
    assert.strictEqual(hostNames('lvs1'), undefined);
  });

  it('skips a name that matches nothing, and refuses a file that includes itself', () => {
    assert.strictEqual(names('Include nowhere/*\nHost a\n  HostName 10.0.0.1\n', {})('a'), '10.0.0.1');
    assert.throws(() => names('Include loop\n', { '/home/op/.ssh/loop': 'Include loop\n' }), SshIncludeError);
  });

  it('from disk: --ssh-config with an absolute Include', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lvsctl-ssh-include-'));
    try {
      mkdirSync(join(dir, 'd'));
      writeFileSync(join(dir, 'd', 'hosts.conf'), 'Host web1\n  HostName 10.0.0.11\n');
      writeFileSync(join(dir, 'config'), `Include ${dir}/d/*.conf\n`);
      const { hostNames, problem } = await readSshHostNames(join(dir, 'config'), true);
      assert.strictEqual(problem, undefined);
      assert.strictEqual(hostNames?.('web1'), '10.0.0.11');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
