import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LinuxMarks, resolveIptablesBackend } from '../../../agent/kernel/linux/marks';
import type { MarkRule } from '../../../lvs/model';
import { exitWith, ok, recordingExec, type Answer } from './recording-exec';

const ROOT = join(__dirname, '..', '..', '..', '..');
const fixture = (name: string): string => readFileSync(join(ROOT, 'test', 'fixtures', name), 'utf8');
const rules: MarkRule[] = [{ mark: 1, protocol: 'tcp', destination: '10.0.0.100', ports: ['80', '443'] }];
const commandLines = (calls: { file: string; args: string[] }[]) => calls.map((c) => [c.file, ...c.args].join(' '));

function kernelWith(saved: string, version = 'iptables v1.8.9 (legacy)\n') {
  return recordingExec((file): Answer => {
    if (file === 'iptables') return ok(version);
    if (file.endsWith('-save')) return ok(saved);
    return ok();
  });
}

describe('iptables backend choice', () => {
  it('uses iptables-legacy-save/-restore for --iptables legacy without asking iptables', async () => {
    const { exec, calls } = kernelWith('');
    assert.equal((await resolveIptablesBackend(exec, 'legacy')).save, 'iptables-legacy-save');
    assert.equal(calls.length, 0);
  });
  it('uses iptables-nft-save/-restore for --iptables nft', async () => {
    const { exec } = kernelWith('');
    assert.equal((await resolveIptablesBackend(exec, 'nft')).restore, 'iptables-nft-restore');
  });
  it('auto: picks what `iptables --version` reports', async () => {
    assert.equal((await resolveIptablesBackend(kernelWith('', 'iptables v1.8.9 (nf_tables)\n').exec, 'auto')).name, 'nft');
    assert.equal((await resolveIptablesBackend(kernelWith('', 'iptables v1.8.9 (legacy)\n').exec, 'auto')).name, 'legacy');
  });
  it('auto: takes an nf_tables iptables that fails even --version (a kernel without nf_tables) as nft', async () => {
    const { exec } = recordingExec((file, args) => exitWith(file, args, 1, 'iptables: Failed to initialize nft: Protocol not supported'));
    assert.equal((await resolveIptablesBackend(exec, 'auto')).name, 'nft');
  });
  it('auto: an answer it cannot read is an error naming the flag that fixes it', async () => {
    await assert.rejects(resolveIptablesBackend(kernelWith('', 'iptables v1.4.21\n').exec, 'auto'), /--iptables legacy or --iptables nft/);
  });
});

describe('Linux marks through iptables', () => {
  it('reads the mangle table with one iptables-save (real legacy output), sorting owned from foreign', async () => {
    const { exec, calls } = kernelWith(fixture('formats/iptables-legacy-save-mangle.txt'));
    const state = await new LinuxMarks(exec, 'auto').read();
    assert.deepEqual(commandLines(calls), ['iptables --version', 'iptables-legacy-save -t mangle']);
    assert.equal(state.chainExists, true);
    assert.equal(state.jumpPresent, true);
    assert.equal(state.owned.length, 4);
    assert.deepEqual(state.foreign.map((r) => r.mark), [7]);
  });

  it('detects the backend once and keeps it', async () => {
    const { exec, calls } = kernelWith('');
    const marks = new LinuxMarks(exec, 'auto');
    await marks.read();
    await marks.read();
    assert.equal(calls.filter((c) => c.file === 'iptables').length, 1);
  });

  it('for IPv6 uses ip6tables of the backend iptables --version names, and writes /128 rules', async () => {
    const { exec, calls } = kernelWith('*mangle\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n', 'iptables v1.8.9 (nf_tables)\n');
    const marks = new LinuxMarks(exec, 'auto', 'inet6');
    await marks.read();
    await marks.replaceOwnedChain([{ mark: 2, protocol: 'udp', destination: 'fd00::50', ports: ['53'] }]);
    assert.deepEqual(commandLines(calls), ['iptables --version', 'ip6tables-nft-save -t mangle', 'ip6tables-nft-restore --noflush -w 10']);
    assert.match(calls[2].options.input ?? '', /^-A LVSCTL-MARK -d fd00::50\/128 -p udp -m udp --dport 53 -j MARK --set-xmark 0x2\/0xffffffff$/m);
  });

  it('swaps the owned chain with one iptables-restore --noflush, adding the jump only when missing', async () => {
    const { exec, calls } = kernelWith('*mangle\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n');
    const marks = new LinuxMarks(exec, 'legacy');
    await marks.read();
    await marks.replaceOwnedChain(rules);
    const restores = calls.filter((c) => c.file === 'iptables-legacy-restore');
    assert.equal(restores.length, 1);
    assert.ok(restores[0].args.includes('--noflush'));
    assert.match(restores[0].options.input ?? '', /^:LVSCTL-MARK - \[0:0\]$/m);
    assert.match(restores[0].options.input ?? '', /^-A PREROUTING -j LVSCTL-MARK$/m);
    assert.match(restores[0].options.input ?? '', /--dports 80,443 -j MARK --set-xmark 0x1\/0xffffffff/);

    await marks.replaceOwnedChain(rules);
    const second = calls.filter((c) => c.file === 'iptables-legacy-restore')[1];
    assert.doesNotMatch(second.options.input ?? '', /-A PREROUTING/, 'a second swap does not stack a second jump');
  });

  it('removes the jump and the chain in one restore, and does nothing when there is no chain', async () => {
    const { exec, calls } = kernelWith(fixture('formats/iptables-legacy-save-mangle.txt'));
    const marks = new LinuxMarks(exec, 'legacy');
    await marks.read();
    await marks.removeOwnedChain();
    const restore = calls.filter((c) => c.file === 'iptables-legacy-restore');
    assert.equal(restore.length, 1);
    assert.match(restore[0].options.input ?? '', /^-D PREROUTING -j LVSCTL-MARK$/m);
    assert.match(restore[0].options.input ?? '', /^-X LVSCTL-MARK$/m);

    await marks.removeOwnedChain();
    assert.equal(calls.filter((c) => c.file === 'iptables-legacy-restore').length, 1, 'nothing left to remove');
  });

  it('reads the table first when asked to swap before any read', async () => {
    const { exec, calls } = kernelWith('');
    await new LinuxMarks(exec, 'nft').replaceOwnedChain(rules);
    assert.deepEqual(commandLines(calls), ['iptables-nft-save -t mangle', 'iptables-nft-restore --noflush -w 10']);
  });
});

describe('Linux marks: the jump and the exact restore', () => {
  it('collapses a doubled jump in the same restore that swaps the chain', async () => {
    const { exec, calls } = kernelWith(fixture('captured/iptables-legacy-save-mangle-after-second-jump.txt'));
    const marks = new LinuxMarks(exec, 'legacy');
    await marks.read();
    await marks.replaceOwnedChain(rules);
    const input = calls.filter((c) => c.file === 'iptables-legacy-restore')[0].options.input ?? '';
    assert.equal(input.split('\n').filter((l) => l === '-D PREROUTING -j LVSCTL-MARK').length, 1);
    assert.doesNotMatch(input, /-A PREROUTING/);
  });

  it('restores a saved chain from what the table holds now: one save, then one restore', async () => {
    const { exec, calls } = kernelWith(fixture('captured/iptables-legacy-save-mangle-after-second-jump.txt'));
    const marks = new LinuxMarks(exec, 'legacy');
    const saved = { ...(await marks.read()), chain: ['-A LVSCTL-MARK -s 192.0.2.0/24 -j ACCEPT'], jumpCount: 1 };
    calls.length = 0;
    await marks.restoreChain(saved);
    assert.deepEqual(commandLines(calls), ['iptables-legacy-save -t mangle', 'iptables-legacy-restore --noflush -w 10']);
    assert.equal(
      calls[1].options.input,
      '*mangle\n:LVSCTL-MARK - [0:0]\n-A LVSCTL-MARK -s 192.0.2.0/24 -j ACCEPT\n-D PREROUTING -j LVSCTL-MARK\nCOMMIT\n',
    );
  });

  it('reads again and restores once more when the restore is refused (PREROUTING changed between its read and the restore)', async () => {
    const saved = fixture('captured/iptables-legacy-save-mangle-after-second-jump.txt');
    let restores = 0;
    const { exec, calls } = recordingExec((file, args): Answer => {
      if (file.endsWith('-save')) return ok(saved);
      if (file.endsWith('-restore')) {
        restores += 1;
        if (restores === 1) return exitWith(file, args, 1, 'iptables-restore: line 4 failed: Index of insertion too big.');
      }
      return ok();
    });
    const marks = new LinuxMarks(exec, 'legacy');
    const snapshot = { ...(await marks.read()), chain: ['-A LVSCTL-MARK -s 192.0.2.0/24 -j ACCEPT'], jumpCount: 1 };
    calls.length = 0;

    await marks.restoreChain(snapshot);

    assert.deepEqual(commandLines(calls), [
      'iptables-legacy-save -t mangle', 'iptables-legacy-restore --noflush -w 10',
      'iptables-legacy-save -t mangle', 'iptables-legacy-restore --noflush -w 10',
    ]);
  });

  it('fails the rollback when the retry is refused too, naming both refusals, the last first', async () => {
    let restores = 0;
    const { exec } = recordingExec((file, args): Answer => {
      if (file.endsWith('-save')) return ok(fixture('captured/iptables-legacy-save-mangle-after-second-jump.txt'));
      if (file.endsWith('-restore')) {
        restores += 1;
        return exitWith(file, args, 2, restores === 1 ? 'line 4 failed: Index of insertion too big.' : 'unable to initialize table \'mangle\'');
      }
      return ok();
    });
    const marks = new LinuxMarks(exec, 'legacy');
    const snapshot = { ...(await marks.read()), chain: [], jumpCount: 1 };
    await assert.rejects(marks.restoreChain(snapshot), /unable to initialize table 'mangle'.*\(and, before a fresh read of PREROUTING: .*Index of insertion too big/);
    assert.equal(restores, 2, 'one retry, no more');
  });
});
