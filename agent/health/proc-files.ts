// The real ProcFiles: plain file reads and writes under /proc/sys.
import { readFile, writeFile } from 'node:fs/promises';
import type { ProcFiles } from './quiescent-templates';

export const procFiles: ProcFiles = {
  read: (path) => readFile(path, 'utf8'),
  write: (path, value) => writeFile(path, value),
};
