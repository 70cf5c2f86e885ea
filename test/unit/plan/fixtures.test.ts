import { strict as assert } from 'node:assert';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadPlanFile } from '../../../controller/plan/load';
import { FIXTURES } from './helpers';

describe('the fixture plans', () => {
  const names = readdirSync(FIXTURES).filter((n) => n.endsWith('.json'));

  it('include each scenario: PCC, PPC, fwmark, FTP, NAT, TUN, IPv6', () => {
    for (const expected of ['pcc.json', 'ppc.json', 'fwmark.json', 'ftp.json', 'nat.json', 'tun.json', 'ipv6.json']) {
      assert.ok(names.includes(expected), `missing ${expected}`);
    }
  });

  for (const name of names) {
    it(`${name} is a valid plan`, async () => {
      const result = await loadPlanFile(join(FIXTURES, name));
      assert.deepEqual(result.problems, []);
      assert.ok(result.ok);
    });
  }

  it('nat-ftp.json carries exactly the ip_vs_ftp warning', async () => {
    const result = await loadPlanFile(join(FIXTURES, 'nat-ftp.json'));
    assert.deepEqual(result.warnings.map((w) => w.pointer), ['/services/0/ftp']);
  });
});
