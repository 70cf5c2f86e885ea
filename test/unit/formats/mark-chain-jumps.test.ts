import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  parseMangleSave,
  renderMarkChainRemoval,
  renderMarkChainReplay,
  renderMarkChainRestore,
} from '../../../lvs/formats/iptables-format';
import type { MarkRule } from '../../../lvs/model';

const ROOT = join(__dirname, '..', '..', '..', '..');
const captured = (name: string): string => readFileSync(join(ROOT, 'test', 'fixtures', 'captured', name), 'utf8');
const rule: MarkRule = { mark: 1, protocol: 'tcp', destination: '10.0.0.100', ports: ['80', '443'] };
const lines = (text: string, re: RegExp) => text.split('\n').filter((l) => re.test(l));

describe('iptables text for the jump to the owned chain', () => {
  it('counts every jump from PREROUTING and keeps the chain lines as printed (real output with a doubled jump)', () => {
    const state = parseMangleSave(captured('iptables-legacy-save-mangle-after-second-jump.txt'));
    assert.equal(state.jumpCount, 2);
    assert.deepEqual(state.chain, [
      '-A LVSCTL-MARK -d 10.0.0.100/32 -p tcp -m tcp --dport 25 -j MARK --set-xmark 0x5/0xffffffff',
      '-A LVSCTL-MARK -d 10.0.0.100/32 -p tcp -m tcp --dport 26 -j MARK --set-xmark 0x6/0xffffffff',
    ]);
  });

  it('drops the counters iptables-save -c prints from the chain lines', () => {
    const state = parseMangleSave('*mangle\n:LVSCTL-MARK - [0:0]\n[4:240] -A LVSCTL-MARK -s 192.0.2.1/32 -j ACCEPT\nCOMMIT\n');
    assert.deepEqual(state.chain, ['-A LVSCTL-MARK -s 192.0.2.1/32 -j ACCEPT']);
  });

  it('reports a jump into the owned chain from another chain as someone else\'s rule', () => {
    const state = parseMangleSave('*mangle\n:LVSCTL-MARK - [0:0]\n-A OUTPUT -j LVSCTL-MARK\nCOMMIT\n');
    assert.deepEqual([state.jumpCount, state.foreignUnparsed], [0, ['-A OUTPUT -j LVSCTL-MARK']]);
    assert.deepEqual(state.references, ['-A OUTPUT -j LVSCTL-MARK'], 'a rule the chain cannot be deleted past');
  });

  it('lists every other way into the owned chain as a reference, without counters, and PREROUTING\'s plain jump as none', () => {
    const state = parseMangleSave('*mangle\n:LVSCTL-MARK - [0:0]\n-A PREROUTING -j LVSCTL-MARK\n-A PREROUTING -p udp -j LVSCTL-MARK\n' +
      '[3:180] -A FORWARD -g LVSCTL-MARK\n-A OUTPUT -j ACCEPT\nCOMMIT\n');
    assert.equal(state.jumpCount, 1);
    assert.deepEqual(state.references, ['-A PREROUTING -p udp -j LVSCTL-MARK', '-A FORWARD -g LVSCTL-MARK']);
  });

  it('a swap deletes the extra jumps (the last one stays) and adds none', () => {
    const text = renderMarkChainRestore([rule], { jumpPresent: true, jumpCount: 3 });
    assert.deepEqual(lines(text, /PREROUTING/), ['-D PREROUTING -j LVSCTL-MARK', '-D PREROUTING -j LVSCTL-MARK']);
  });

  it('a removal deletes every jump before the chain', () => {
    const text = renderMarkChainRemoval({ jumpPresent: true, jumpCount: 2 });
    assert.deepEqual(text.split('\n').slice(0, 3), ['*mangle', '-D PREROUTING -j LVSCTL-MARK', '-D PREROUTING -j LVSCTL-MARK']);
    assert.match(text, /^-X LVSCTL-MARK$/m);
  });

  it('a replay writes the saved lines verbatim and the saved number of jumps', () => {
    const chain = ['-A LVSCTL-MARK -s 192.0.2.0/24 -j ACCEPT', '-A LVSCTL-MARK -d 10.0.0.100/32 -m comment --comment "by hand" -j MARK --set-xmark 0x7/0xffffffff'];
    const text = renderMarkChainReplay({ chainExists: true, chain, jumpCount: 2 }, { jumpCount: 1 });
    assert.equal(text, ['*mangle', ':LVSCTL-MARK - [0:0]', ...chain, '-A PREROUTING -j LVSCTL-MARK', 'COMMIT', ''].join('\n'));
    assert.equal(renderMarkChainReplay({ chainExists: false, chain: [], jumpCount: 0 }, { jumpCount: 1 }), renderMarkChainRemoval({ jumpPresent: true }));
  });

  it('reads where each jump stands among PREROUTING\'s rules, and how many it holds', () => {
    const state = parseMangleSave('*mangle\n:PREROUTING ACCEPT [0:0]\n:LVSCTL-MARK - [0:0]\n-A PREROUTING -p udp -j ACCEPT\n-A PREROUTING -j LVSCTL-MARK\n' +
      '-A INPUT -j ACCEPT\n-A PREROUTING -p tcp -j ACCEPT\n-A PREROUTING -j LVSCTL-MARK\nCOMMIT\n');
    assert.deepEqual([state.jumpPositions, state.preroutingRules], [[2, 4], 4]);
  });

  it('a replay puts deleted jumps back at their places, ascending, a place past the end at the end', () => {
    const chain = ['-A LVSCTL-MARK -s 192.0.2.0/24 -j ACCEPT'];
    const jumps = (text: string) => text.split('\n').filter((l) => l.includes('PREROUTING'));
    assert.deepEqual(jumps(renderMarkChainReplay({ chainExists: true, chain, jumpCount: 1, jumpPositions: [2] }, { jumpCount: 0, preroutingRules: 3 })),
      ['-I PREROUTING 2 -j LVSCTL-MARK']);
    assert.deepEqual(jumps(renderMarkChainReplay({ chainExists: true, chain, jumpCount: 2, jumpPositions: [4, 1] }, { jumpCount: 0, preroutingRules: 2 })),
      ['-I PREROUTING 1 -j LVSCTL-MARK', '-I PREROUTING 4 -j LVSCTL-MARK']);
    // two rules deleted meanwhile: the place is past the end
    assert.deepEqual(jumps(renderMarkChainReplay({ chainExists: true, chain, jumpCount: 1, jumpPositions: [5] }, { jumpCount: 0, preroutingRules: 2 })),
      ['-I PREROUTING 3 -j LVSCTL-MARK']);
    // a jump still there: counted, as before (its place is where it stands)
    assert.deepEqual(jumps(renderMarkChainReplay({ chainExists: true, chain, jumpCount: 1, jumpPositions: [2] }, { jumpCount: 1, preroutingRules: 3 })), []);
    // places unknown: appended
    assert.deepEqual(jumps(renderMarkChainReplay({ chainExists: true, chain, jumpCount: 1 }, { jumpCount: 0 })), ['-A PREROUTING -j LVSCTL-MARK']);
  });

  it('a replay refuses a line that is not of the owned chain', () => {
    assert.throws(() => renderMarkChainReplay({ chainExists: true, chain: ['-A PREROUTING -j ACCEPT'], jumpCount: 1 }, { jumpCount: 1 }), /not a line of LVSCTL-MARK/);
  });
});
