// A director at the size lvsctl takes (20,000 services × 10 realservers): what lvsctl import
// writes from its ipvsadm -S -n output is a plan every command loads, not one refused for
// its size (it was: the indented plan is 24 MiB).
import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runImport } from '../../controller/cli/run-import';
import { loadPlanFile } from '../../controller/plan/load';

const SERVICES = 20_000;
const REALSERVERS = 10;

/**
 * `ipvsadm -S -n` of SERVICES NAT services, each with REALSERVERS ports of one realserver:
 * 10.0.0.11 for the first 10,000, 10.0.0.12 for the rest (an agent verifies at most 10,000).
 */
function ipvsadmSave(): string {
  const lines: string[] = [];
  for (let i = 0; i < SERVICES; i += 1) {
    const vip = `10.100.${Math.floor(i / 250)}.${(i % 250) + 1}:80`;
    lines.push(`-A -t ${vip} -s wlc`);
    const realserver = i < 10_000 ? '10.0.0.11' : '10.0.0.12';
    for (let r = 1; r <= REALSERVERS; r += 1) lines.push(`-a -t ${vip} -r ${realserver}:${8000 + r} -m -w ${r}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('lvsctl import of a 20,000 × 10 director', function () {
  this.timeout(120_000);

  it('writes a plan that lvsctl loads, with every service', async () => {
    let out = '';
    const code = await runImport({ ipvsadm: 'ipvs.txt' }, { out: (t) => (out += t), err: () => undefined, read: async () => ipvsadmSave() });
    assert.equal(code, 0);
    const path = join(mkdtempSync(join(tmpdir(), 'lvsctl-import-scale-')), 'plan.json');
    writeFileSync(path, out);
    const loaded = await loadPlanFile(path);
    assert.ok(loaded.ok, loaded.ok ? '' : loaded.problems.slice(0, 3).map((p) => `${p.pointer}: ${p.message}`).join('; '));
    assert.equal(loaded.plan.services.length, SERVICES);
    assert.ok(out.length > 20 * 1024 * 1024, `the indented plan is ${out.length} bytes: this test is about one over the old 10 MiB bound`);
  });
});
