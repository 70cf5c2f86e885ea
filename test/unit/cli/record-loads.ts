// Preloaded with `node -r` by startup-modules.test.ts: at exit, writes every module file
// the process loaded through require (its require.cache) and every built-in module Node
// loaded (`node:crypto`, …) to $LVSCTL_RECORD_LOADS as JSON.
import { writeFileSync } from 'node:fs';

const out = process.env.LVSCTL_RECORD_LOADS;
if (out) {
  process.on('exit', () => {
    // process.moduleLoadList names Node's own modules "NativeModule NAME" (internal ones too)
    const builtins = (process as unknown as { moduleLoadList: string[] }).moduleLoadList
      .filter((entry) => entry.startsWith('NativeModule ') && !entry.includes(' internal/'))
      .map((entry) => `node:${entry.slice('NativeModule '.length)}`);
    writeFileSync(out, JSON.stringify({ files: Object.keys(require.cache), builtins }));
  });
}
