// The packaged programs in the lab: the .deb `npm run package` made (dist/release/; the lab
// run builds it once, scripts/lab/run-lab-tests.sh) unpacked with dpkg-deb -x into the
// checkout's .lab/ (the host disk, not the guest's memory), as dpkg would lay it out.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DEB_ARCH } from '../../../scripts/package/deb';
import { runCommand } from './agents';

/** dist/test/lab/support/ → dist/ */
const DIST = join(__dirname, '..', '..', '..');
export const RELEASE_DIR = join(DIST, 'release');

export interface UnpackedPackage {
  deb: string;
  root: string;
  agent: string;
  lvsctl: string;
  /** dpkg-deb -f: the control fields */
  control: string;
  /** deletes the unpacked tree (180 MB) */
  remove(): Promise<void>;
}

export async function unpackPackage(): Promise<UnpackedPackage> {
  const arch = DEB_ARCH[process.arch];
  const debs = (await readdir(RELEASE_DIR).catch(() => [] as string[])).filter((n) => n.startsWith('lvsctl_') && n.endsWith(`_${arch}.deb`));
  if (debs.length !== 1) {
    throw new Error(`expected one lvsctl_*_${arch}.deb in ${RELEASE_DIR}, found ${debs.length ? debs.join(', ') : 'none'}: scripts/lab/run-lab-tests.sh builds it unless --no-build; then run node dist/scripts/package/build.js --compression zstd`);
  }
  const deb = join(RELEASE_DIR, debs[0] as string);
  const root = join(DIST, '..', '.lab', `package-root-${process.pid}`);
  await rm(root, { recursive: true, force: true });
  const unpack = await runCommand(null, 'dpkg-deb', ['-x', deb, root], { timeoutMs: 300_000 });
  if (unpack.code !== 0) throw new Error(`dpkg-deb -x ${deb} exited ${unpack.code}: ${unpack.stderr}`);
  const control = await runCommand(null, 'dpkg-deb', ['-f', deb], { timeoutMs: 60_000 });
  return {
    deb, root, agent: join(root, 'usr', 'bin', 'lvsctl-agent'), lvsctl: join(root, 'usr', 'bin', 'lvsctl'), control: control.stdout,
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
