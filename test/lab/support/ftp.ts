// FTP on the lab cluster: vsftpd on a realserver (anonymous, passive ports in a range) and
// anonymous downloads from the client with Python's ftplib.
import { mkdir, writeFile } from 'node:fs/promises';
import { inNetns, killInNetns, LAB_EXEC_TIMEOUT_MS, netnsPids, processName, sleep } from './netns';

export interface VsftpdOptions {
  pasvMin: number;
  pasvMax: number;
  /** the anonymous root: created, must not be writable by the ftp user */
  root: string;
  /** files to put in root: name -> content */
  files?: Readonly<Record<string, string>>;
  port?: number;
}

export interface RunningVsftpd {
  ns: string;
  configPath: string;
  stop(): Promise<void>;
}

/** The vsftpd.conf the lab uses (docs/lab.md: listen, background, anon_root, chroot dir on /tmp, no seccomp). */
export function renderVsftpdConfig(ns: string, options: VsftpdOptions): string {
  return [
    'listen=YES',
    'listen_ipv6=NO',
    'background=YES',
    `listen_port=${options.port ?? 21}`,
    'anonymous_enable=YES',
    'no_anon_password=YES',
    `anon_root=${options.root}`,
    'local_enable=NO',
    'write_enable=NO',
    'pasv_enable=YES',
    `pasv_min_port=${options.pasvMin}`,
    `pasv_max_port=${options.pasvMax}`,
    'connect_from_port_20=NO',
    'xferlog_enable=NO',
    `secure_chroot_dir=${secureChrootDir(ns)}`,
    // UML's seccomp support is not what vsftpd's sandbox expects
    'seccomp_sandbox=NO',
    '',
  ].join('\n');
}

/** Start vsftpd in `ns` with its own config under /tmp (the guest's tmpfs); resolves once it listens. */
export async function startVsftpd(ns: string, options: VsftpdOptions): Promise<RunningVsftpd> {
  if (!(options.pasvMin >= 1024 && options.pasvMin <= options.pasvMax && options.pasvMax <= 65535)) {
    throw new Error(`startVsftpd(${ns}): passive range ${options.pasvMin}:${options.pasvMax} is not a range within 1024..65535`);
  }
  const configPath = `/tmp/lab-vsftpd-${ns}.conf`;
  await mkdir(secureChrootDir(ns), { recursive: true, mode: 0o755 });
  await mkdir(options.root, { recursive: true, mode: 0o755 });
  for (const [name, content] of Object.entries(options.files ?? {})) await writeFile(`${options.root}/${name}`, content, { mode: 0o644 });
  await writeFile(configPath, renderVsftpdConfig(ns, options));
  // background=YES: the launcher returns once vsftpd has forked its listener.
  await inNetns(ns, 'vsftpd', [configPath]);
  await waitForListener(ns, options.port ?? 21);
  return { ns, configPath, stop: () => killInNetns(ns, (name) => name === 'vsftpd') };
}

async function waitForListener(ns: string, port: number): Promise<void> {
  const deadline = Date.now() + LAB_EXEC_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const { stdout } = await inNetns(ns, 'ss', ['-H', '-ltn', `sport = :${port}`]);
    if (stdout.trim() !== '') return;
    await sleep(200);
  }
  const names = await Promise.all((await netnsPids(ns)).map(processName));
  throw new Error(`vsftpd in netns ${ns} is not listening on port ${port} (processes there: ${names.join(', ') || 'none'})`);
}

function secureChrootDir(ns: string): string {
  return `/tmp/lab-vsftpd-empty-${ns}`;
}

/** A failed download says how far it got: the control connection, the login, or the data transfer. */
export type FtpResult = { ok: true; content: string } | { ok: false; stage: 'connect' | 'login' | 'transfer'; error: string };

// Arguments arrive as argv; nothing is interpolated into the program text.
const FTP_DOWNLOAD_PROGRAM = `
import ftplib, json, sys
host, port, name, count, timeout = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
results = []
for _ in range(count):
    stage = 'connect'
    ftp = ftplib.FTP()
    try:
        chunks = []
        ftp.connect(host, port, timeout=timeout)
        stage = 'login'
        ftp.login()
        stage = 'transfer'
        ftp.set_pasv(True)
        ftp.retrbinary('RETR ' + name, chunks.append)
        results.append({'ok': True, 'content': b''.join(chunks).decode('utf-8', 'replace')})
    except Exception as error:
        results.append({'ok': False, 'stage': stage, 'error': type(error).__name__ + ': ' + str(error)})
    finally:
        ftp.close()
print(json.dumps(results))
`;

/** `count` anonymous passive-mode downloads of `file` from `host`, from namespace `fromNs`. */
export async function ftpDownloads(fromNs: string, host: string, file: string, count: number, options: { port?: number; timeoutMs?: number } = {}): Promise<FtpResult[]> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const { stdout } = await inNetns(
    fromNs,
    '/usr/bin/python3',
    ['-c', FTP_DOWNLOAD_PROGRAM, host, String(options.port ?? 21), file, String(count), String(timeoutMs / 1000)],
    { timeoutMs: LAB_EXEC_TIMEOUT_MS + count * 3 * timeoutMs },
  );
  return JSON.parse(stdout) as FtpResult[];
}
