// Preloaded with `node -r` by startup-modules.test.ts: at exit, writes every module file
// the process loaded through require (its require.cache) to $LVSCTL_RECORD_LOADS as JSON.
import { writeFileSync } from 'node:fs';

const out = process.env.LVSCTL_RECORD_LOADS;
if (out) {
  process.on('exit', () => {
    writeFileSync(out, JSON.stringify(Object.keys(require.cache)));
  });
}
