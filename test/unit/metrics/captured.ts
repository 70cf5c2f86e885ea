// Reads the real ipvsadm output captured in the lab (see captured/README.md).
import { readFileSync } from 'node:fs';
import path from 'node:path';

// Tests run from dist/test/unit/metrics; the captures stay in the source tree.
const dir = path.resolve(__dirname, '../../../../test/unit/metrics/captured');

export function captured(name: 'ipvsadm-Ln-stats-exact.txt' | 'ipvsadm-Ln-exact.txt'): string {
  return readFileSync(path.join(dir, name), 'utf8');
}
