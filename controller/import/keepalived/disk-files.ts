// keepalived's includes on the disk: files read as UTF-8, globs expanded by the glob
// package (sorted, as glob(3) returns them), relative patterns taken from the including
// file's directory.
import path from 'node:path';
import { glob } from 'glob';
import type { ConfigFiles } from './syntax';
import { readBoundedFile } from '../bounded-read';

function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

export const diskConfigFiles: ConfigFiles = {
  read: (file) => readBoundedFile(file),
  // sorted like glob(3); shown relative to the working directory when inside it, as the main file usually is
  glob: async (pattern) => (await glob(pattern, { nodir: true, absolute: true })).sort().map(shown),
  dirname: (file) => path.dirname(path.resolve(file)),
  resolve: (dir, pattern) => path.resolve(dir, pattern),
};
