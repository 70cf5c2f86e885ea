// Include in an ssh config, followed as ssh follows it: relative to ~/.ssh, ~ expanded,
// wildcards in lexical order, nested, a block around an Include kept for the lines after it.
import assert from 'assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostPatternsMatch, SshIncludeError, type IncludeFiles } from '../../../controller/inventory/ssh-config-include';
import { readSshHostNames, sshHostNamesFollowingIncludes } from '../../../controller/inventory/ssh-config';

function memoryFiles(files: Record<string, string>): IncludeFiles {
  return {
    read: (path) => files[path],
    list: (dir) => Object.keys(files).filter((p) => p.startsWith(`${dir}/`) && !p.slice(dir.length + 1).includes('/')).map((p) => p.slice(dir.length + 1)),
  };
}

const names = (text: string, files: Record<string, string>) => sshHostNamesFollowingIncludes(text, { home: '/home/op', files: memoryFiles(files) });

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

  it('follows an Include in a Host block only for a host that block takes, and keeps the lines after it in the block', () => {
    const hostNames = names('Host web*\n  Include extra\n  HostName %h.example.test\nHost lvs*\n  Include lvs\n', {
      '/home/op/.ssh/extra': 'Host db1\n  HostName 10.0.0.50\n',
      '/home/op/.ssh/lvs': 'HostName 10.0.0.1\n',
    });
    assert.strictEqual(hostNames('web3'), 'web3.example.test');
    // ssh -G db1 says "hostname db1": the file is read only for web*, where db1 is never looked up
    assert.strictEqual(hostNames('db1'), undefined);
    assert.strictEqual(hostNames('lvs1'), '10.0.0.1');
    assert.strictEqual(hostNames('web1'), 'web1.example.test');
  });

  it('matches Host patterns as ssh does: wildcards, a negation refuses, case does not count', () => {
    assert.strictEqual(hostPatternsMatch(['web*', '!web-bad'], 'WEB1'), true);
    assert.strictEqual(hostPatternsMatch(['web*', '!web-bad'], 'web-bad'), false);
    assert.strictEqual(hostPatternsMatch(['!web-bad'], 'lvs1'), false);
    assert.strictEqual(hostPatternsMatch(['lvs?'], 'lvs1'), true);
  });

  it('skips a name that matches nothing, and refuses a file that includes itself', () => {
    assert.strictEqual(names('Include nowhere/*\nHost a\n  HostName 10.0.0.1\n', {})('a'), '10.0.0.1');
    assert.throws(() => names('Include loop\n', { '/home/op/.ssh/loop': 'Include loop\n' }), SshIncludeError);
  });

  it('from disk: --ssh-config with an absolute Include, a directory the wildcard matches skipped as ssh skips it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lvsctl-ssh-include-'));
    try {
      mkdirSync(join(dir, 'd'));
      writeFileSync(join(dir, 'd', 'hosts.conf'), 'Host web1\n  HostName 10.0.0.11\n');
      mkdirSync(join(dir, 'd', 'old.conf'));
      writeFileSync(join(dir, 'config'), `Include ${dir}/d/*.conf\n`);
      const { hostNames, problem } = await readSshHostNames(join(dir, 'config'), true);
      assert.strictEqual(problem, undefined);
      assert.strictEqual(hostNames?.('web1'), '10.0.0.11');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
