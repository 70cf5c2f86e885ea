// The agent's private key must be readable by its owner only: a key others can read is as
// good as published, and whoever holds it can pose as this agent to the controllers.
import { statSync, type Stats } from 'fs';
import { TlsFileError } from '../../../lvs/wire/tls-files';

/** Throws a TlsFileError naming the file and the chmod that fixes it; a missing file is readTlsFiles' to report. */
export function checkKeyFileMode(file: string): void {
  let stat: Stats;
  try {
    stat = statSync(file);
  } catch {
    return;
  }
  // not a file (a directory): chmod would be the wrong advice; reading it says what it is
  if (!stat.isFile()) return;
  const mode = stat.mode;
  if ((mode & 0o077) !== 0) {
    const shown = (mode & 0o777).toString(8).padStart(4, '0');
    throw new TlsFileError(file, `the private key can be read by others than its owner (mode ${shown})`, `run \`chmod 600 ${file}\``);
  }
}
