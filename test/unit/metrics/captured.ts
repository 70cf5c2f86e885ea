// Reads real ipvsadm output captured in the lab: ours (captured/README.md: with traffic
// through a Masq destination) and the lab developer's (test/fixtures/captured/README.md:
// the DR cluster with IPv6 and tun destinations).
import { readFileSync } from 'node:fs';
import path from 'node:path';

// Tests run from dist/test/unit/metrics; the captures stay in the source tree.
const root = path.resolve(__dirname, '../../../..');

type Capture = 'ipvsadm-Ln-stats-exact.txt' | 'ipvsadm-Ln-exact.txt';

export function captured(name: Capture): string {
  return readFileSync(path.join(root, 'test/unit/metrics/captured', name), 'utf8');
}

export function labFixture(name: Capture): string {
  return readFileSync(path.join(root, 'test/fixtures/captured', name), 'utf8');
}
