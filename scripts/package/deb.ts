// The .deb: both executables, the systemd unit, its /etc/default file, the docs, and the man
// pages and completions `npm run build` generates where they exist. Built with dpkg-deb
// alone (no network, no debhelper); files owned by root (--root-owner-group).
import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

const run = promisify(execFile);

/** Debian's architecture names of Node's. */
export const DEB_ARCH: Readonly<Record<string, string>> = { x64: 'amd64', arm64: 'arm64' };

/**
 * What the agent runs (agent/kernel/linux/): `ip` for addresses and routes, iptables for the
 * mark rules; the executables are Node's, linked against glibc 2.28 and libstdc++ (GLIBCXX_3.4.21: gcc 5). ipvsadm
 * is the director's fallback when the kernel's IPVS netlink family is missing (--ipvs auto)
 * and the tool an operator reads the table with; kmod's modprobe loads ip_vs.
 */
export const DEPENDS = ['libc6 (>= 2.28)', 'libstdc++6 (>= 5)', 'libgcc-s1', 'iproute2', 'iptables'];
export const RECOMMENDS = ['ipvsadm', 'kmod'];
/** keepalived: VRRP for a standby director's VIP, which lvsctl does not do. */
export const SUGGESTS = ['keepalived'];

/** Man pages and completions the build may have made (dist/share/), and where the .deb puts them. */
export const GENERATED_FILES: ReadonlyArray<{ from: string; to: string }> = [
  { from: 'share/completions/lvsctl.bash', to: 'usr/share/bash-completion/completions/lvsctl' },
  { from: 'share/completions/_lvsctl', to: 'usr/share/zsh/vendor-completions/_lvsctl' },
  { from: 'share/completions/lvsctl.fish', to: 'usr/share/fish/vendor_completions.d/lvsctl.fish' },
];
/** dist/share/man/man{1,5,8}/* → usr/share/man/manN/*.gz */
export const MAN_SECTIONS = ['1', '5', '8'];

export type Compression = 'xz' | 'zstd' | 'gzip';
export function isCompression(value: string): value is Compression {
  return value === 'xz' || value === 'zstd' || value === 'gzip';
}

export interface DebSpec {
  repo: string;
  dist: string;
  version: string;
  arch: string;
  executables: { lvsctl: string; agent: string };
  /** the .deb's path */
  output: string;
  work: string;
  compression?: Compression;
}

export interface DebResult {
  output: string;
  /** files inside, relative to / */
  files: string[];
  /** generated files that were not there to package */
  missing: string[];
}

async function put(root: string, rel: string, content: Buffer | string, mode = 0o644): Promise<void> {
  const file = join(root, rel);
  await mkdir(dirname(file), { recursive: true, mode: 0o755 });
  await writeFile(file, content);
  await chmod(file, mode);
}

export function controlFile(spec: Pick<DebSpec, 'version' | 'arch'>, installedKiB: number): string {
  return [
    'Package: lvsctl',
    `Version: ${spec.version}`,
    `Architecture: ${DEB_ARCH[spec.arch] ?? spec.arch}`,
    'Maintainer: lvsctl developers <lvsctl@localhost>',
    `Installed-Size: ${installedKiB}`,
    `Depends: ${DEPENDS.join(', ')}`,
    `Recommends: ${RECOMMENDS.join(', ')}`,
    `Suggests: ${SUGGESTS.join(', ')}`,
    'Section: net',
    'Priority: optional',
    'Description: roll out Linux Virtual Server (IPVS) clusters from one plan',
    ' lvsctl checks a whole IPVS cluster description (plan.json), compiles it into one part per',
    ' host and pushes each over mutual-TLS gRPC to lvsctl-agent on that host, which applies it',
    ' as a minimal diff (directors) or verifies the realserver set-up. Both programs are single',
    ' executables with Node.js inside: nothing else to install on the hosts.',
    '',
  ].join('\n');
}

async function sizeKiB(root: string, files: string[]): Promise<number> {
  let bytes = 0;
  for (const f of files) bytes += (await stat(join(root, f))).size;
  return Math.ceil(bytes / 1024);
}

export async function buildDeb(spec: DebSpec): Promise<DebResult> {
  const root = join(spec.work, 'root');
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true, mode: 0o755 });
  const files: string[] = [];
  const missing: string[] = [];
  const add = async (rel: string, content: Buffer | string, mode = 0o644): Promise<void> => {
    await put(root, rel, content, mode);
    files.push(rel);
  };
  const repoFile = (rel: string): Promise<Buffer> => readFile(join(spec.repo, rel));

  await add('usr/bin/lvsctl', await readFile(spec.executables.lvsctl), 0o755);
  await add('usr/bin/lvsctl-agent', await readFile(spec.executables.agent), 0o755);
  await add('lib/systemd/system/lvsctl-agent.service', await repoFile('packaging/lvsctl-agent.service'));
  await add('etc/default/lvsctl-agent', await repoFile('packaging/lvsctl-agent.default'));
  const doc = 'usr/share/doc/lvsctl';
  await add(`${doc}/README.md`, await repoFile('README.md'));
  await add(`${doc}/copyright`, await repoFile('packaging/copyright'));
  for (const name of (await readdir(join(spec.repo, 'docs'))).filter((n) => n.endsWith('.md')).sort()) {
    await add(`${doc}/${name}`, await repoFile(join('docs', name)));
  }
  for (const g of GENERATED_FILES) {
    const from = join(spec.dist, g.from);
    if (existsSync(from)) await add(g.to, await readFile(from));
    else missing.push(join('dist', g.from));
  }
  for (const section of MAN_SECTIONS) {
    const dir = join(spec.dist, 'share', 'man', `man${section}`);
    const pages = existsSync(dir) ? (await readdir(dir)).filter((n) => n.endsWith(`.${section}`)).sort() : [];
    if (pages.length === 0) missing.push(`dist/share/man/man${section}/*.${section}`);
    for (const page of pages) {
      // zlib's gzip header has no file name and no time: the same page gives the same bytes
      await add(`usr/share/man/man${section}/${basename(page)}.gz`, gzipSync(await readFile(join(dir, page)), { level: 9 }));
    }
  }

  const debian = join(root, 'DEBIAN');
  await put(root, 'DEBIAN/control', controlFile(spec, await sizeKiB(root, files)));
  await put(root, 'DEBIAN/conffiles', '/etc/default/lvsctl-agent\n');
  for (const script of ['postinst', 'prerm', 'postrm']) {
    await copyFile(join(spec.repo, 'packaging', 'debian', script), join(debian, script));
    await chmod(join(debian, script), 0o755);
  }
  await mkdir(dirname(spec.output), { recursive: true });
  await run('dpkg-deb', ['--root-owner-group', `-Z${spec.compression ?? 'xz'}`, '--build', root, spec.output], { maxBuffer: 16 * 1024 * 1024 });
  return { output: spec.output, files, missing };
}
