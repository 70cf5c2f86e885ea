// The netlink package's prebuilt N-API addon inside a packaged executable (docs/install.md).
// A single executable cannot dlopen from memory, so the addon is written to a fresh private
// directory under the temporary directory (the unit's PrivateTmp), loaded, and deleted at once:
// the loaded library stays mapped, nothing is left behind, and no file beside the executable
// can go missing or mismatch. The package's own loader (node-gyp-build) is swapped for this
// one by the bundler (scripts/package/bundle.ts); from dist/ it is never used.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embeddedAsset } from '../../../lvs/embedded-assets';

export const NETLINK_ADDON_ASSET = 'netlink.node';

export function loadEmbeddedNetlinkAddon(asset = embeddedAsset(NETLINK_ADDON_ASSET), dir = tmpdir()): unknown {
  if (asset === undefined) throw new Error('the netlink addon is not embedded in this executable');
  const scratch = mkdtempSync(join(dir, 'lvsctl-netlink-'));
  try {
    const file = join(scratch, NETLINK_ADDON_ASSET);
    writeFileSync(file, asset, { mode: 0o500 });
    const module = { exports: {} as unknown };
    process.dlopen(module, file);
    return module.exports;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
