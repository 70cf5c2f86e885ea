// A single executable from one bundle (Node's single executable applications, "SEA"): the
// bundle and its assets become a blob (node --experimental-sea-config), a copy of a node
// binary of the same version gets it injected with postject, the tool Node's docs name.
// The node binary is the one running this script for the build machine's architecture, or
// one from the registry's node-linux-<arch> package for another (build.ts).
import { execFile } from 'node:child_process';
import { chmod, copyFile, readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The fuse Node's SEA support looks for; fixed by Node (docs: "Single executable applications"). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

interface Postject {
  inject(file: string, resource: string, data: Buffer, options: { sentinelFuse: string; overwrite?: boolean }): Promise<void>;
}

export interface ExecutableSpec {
  bundle: string;
  /** asset name → file */
  assets: Readonly<Record<string, string>>;
  /** a node binary of the same version as the one running this (the blob's format is per version) */
  nodeBinary: string;
  output: string;
  /** V8's code cache: a quicker start, but only for the architecture of the node building the blob */
  codeCache: boolean;
  /** scratch files (the config and the blob) go here */
  work: string;
}

export async function makeExecutable(spec: ExecutableSpec): Promise<void> {
  const config = `${spec.work}/sea-config.json`;
  const blob = `${spec.work}/sea.blob`;
  await writeFile(config, JSON.stringify({
    main: spec.bundle,
    output: blob,
    disableExperimentalSEAWarning: true,
    useCodeCache: spec.codeCache,
    assets: spec.assets,
  }, null, 2));
  await run(process.execPath, ['--experimental-sea-config', config]);
  await copyFile(spec.nodeBinary, spec.output);
  await chmod(spec.output, 0o755);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const postject = require('postject') as Postject;
  await postject.inject(spec.output, 'NODE_SEA_BLOB', await readFile(blob), { sentinelFuse: SEA_FUSE });
}

/** Strips the debug symbols from a node binary copy (86 of 99 MB remain); false where binutils' strip is missing. */
export async function stripBinary(file: string, strip = 'strip'): Promise<boolean> {
  try {
    await run(strip, ['--strip-all', file]);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
