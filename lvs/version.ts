// The version both programs print, read from package.json so there is one place to bump it
// (a packaged executable carries it as an asset: it has no package.json beside it).
import { readFileSync } from 'fs';
import { join } from 'path';
import { embeddedAsset } from './embedded-assets';

function readVersion(): string {
  // dist/controller/version.js → ../../package.json; lvs/version.ts → ../package.json
  for (const candidate of [join(__dirname, '..', '..', 'package.json'), join(__dirname, '..', 'package.json')]) {
    try {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'lvsctl' && pkg.version) return pkg.version;
    } catch {
      // try the next candidate
    }
  }
  return '0.0.0-unknown';
}

export const VERSION = embeddedAsset('version')?.toString('utf8') ?? readVersion();
