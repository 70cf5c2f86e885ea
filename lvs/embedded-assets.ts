// The files an executable built by `npm run package` carries inside itself (Node's single
// executable applications, docs/install.md): the wire contract as JSON, the version, and the
// agent's netlink addon. Run from dist/ there are none, and callers read their files instead.
// node:sea exists from Node 20.12; on an older 20 the require fails and nothing is embedded.
// A bundle of dist/ made by `npm run build` carries some of them too (bundled-assets.ts).
import { BUNDLED_ASSETS } from './bundled-assets';

interface SeaModule {
  isSea(): boolean;
  getRawAsset(key: string): ArrayBuffer;
}

let sea: SeaModule | null | undefined;

function seaModule(): SeaModule | null {
  if (sea === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const loaded = require('node:sea') as SeaModule;
      sea = loaded.isSea() ? loaded : null;
    } catch {
      sea = null;
    }
  }
  return sea;
}

/** True inside a packaged executable. */
export function isPackagedExecutable(): boolean {
  return seaModule() !== null;
}

/** The embedded asset `name`: the executable's, or a dist/ bundle's (bundled-assets.ts); undefined from dist/'s own files. A packaged one without it is a broken build. */
export function embeddedAsset(name: string): Buffer | undefined {
  const packaged = seaModule();
  if (packaged === null) {
    const bundled = BUNDLED_ASSETS[name];
    return bundled === undefined ? undefined : Buffer.from(bundled, 'utf8');
  }
  try {
    return Buffer.from(packaged.getRawAsset(name));
  } catch (error) {
    throw new Error(`this executable lacks its embedded ${name} (${error instanceof Error ? error.message : String(error)}): rebuild it with npm run package`);
  }
}
