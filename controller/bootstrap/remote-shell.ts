// The commands bootstrap runs on a host, as the text ssh hands to the remote shell (ssh
// always joins its command into one string for the login shell: every word here is quoted,
// and nothing secret is ever part of a command; file contents go through stdin).
import type { RemoteFile } from './remote-files';

/** One word for a POSIX shell: single quotes, with each ' written as '\'' */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function shellCommand(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}

/** With --sudo the whole command runs through `sudo -n sh -c` (no password prompt: it would hang). */
export function asRoot(script: string, sudo: boolean): string {
  return sudo ? shellCommand(['sudo', '-n', 'sh', '-c', script]) : script;
}

export const SERVICE = 'lvsctl-agent';

/**
 * The probe's first line: what a login shell prints before it (a .bashrc's "toolchain …
 * loaded") is not read as the probe's.
 */
export const PROBE_BEGIN = 'lvsctl-probe-begin';

/**
 * Prints, one line each: `file MODE SHA256 PATH` or `missing - - PATH` for every path, then
 * `enabled STATE`, `active STATE`, `uid N`, and `tool NAME` for a missing tool, all after
 * the PROBE_BEGIN line.
 */
export function probeScript(paths: readonly string[]): string {
  return [
    `echo ${PROBE_BEGIN}`,
    'for t in sha256sum stat systemctl; do command -v "$t" >/dev/null 2>&1 || echo "tool $t"; done',
    `for f in ${paths.map(shellQuote).join(' ')}; do`,
    '  if [ -f "$f" ]; then echo "file $(stat -c %a "$f") $(sha256sum < "$f" | cut -d" " -f1) $f"; else echo "missing - - $f"; fi',
    'done',
    `echo "enabled $(systemctl is-enabled ${SERVICE} 2>/dev/null || true)"`,
    `echo "active $(systemctl is-active ${SERVICE} 2>/dev/null || true)"`,
    'echo "uid $(id -u)"',
  ].join('\n');
}

export interface RemoteFileState {
  mode: string;
  sha256: string;
}

export interface ProbeResult {
  /** path → its mode and checksum; absent paths are missing */
  files: Map<string, RemoteFileState>;
  enabled: string;
  active: string;
  uid: number | undefined;
  missingTools: string[];
}

export function parseProbe(text: string): ProbeResult {
  const result: ProbeResult = { files: new Map(), enabled: '', active: '', uid: undefined, missingTools: [] };
  const lines = text.split('\n');
  // what a login shell printed before the probe is not the probe's
  const begin = lines.lastIndexOf(PROBE_BEGIN);
  for (const line of begin >= 0 ? lines.slice(begin + 1) : lines) {
    const file = /^file (\d+) ([0-9a-f]{64}) (.+)$/.exec(line);
    if (file) result.files.set(file[3], { mode: file[1], sha256: file[2] });
    const other = /^(enabled|active|uid|tool) (.*)$/.exec(line);
    if (!other) continue;
    const value = other[2].trim();
    if (other[1] === 'enabled') result.enabled = value;
    else if (other[1] === 'active') result.active = value;
    else if (other[1] === 'uid') result.uid = /^\d+$/.test(value) ? Number(value) : undefined;
    else if (value !== '') result.missingTools.push(value);
  }
  return result;
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/**
 * Writes stdin to FILE.lvsctl-new with its mode, checks its checksum, then renames it over
 * the file (atomic: a running agent keeps its old executable, a reader never sees half a key).
 * However the script ends before the rename (a full disk, the ssh connection cut: SIGHUP, or
 * without a tty stdin ending early and stderr gone: SIGPIPE),
 * the partial FILE.lvsctl-new is removed.
 */
export function installScript(file: Pick<RemoteFile, 'path' | 'mode' | 'sha256'>): string {
  const tmp = `${file.path}.lvsctl-new`;
  const q = shellQuote;
  return [
    'set -e',
    'umask 077',
    `mkdir -p ${q(dirOf(file.path))}`,
    `tmp=${q(tmp)}`,
    `trap 'rm -f -- "$tmp"' EXIT`,
    'trap "exit 1" HUP INT TERM PIPE',
    'cat > "$tmp"',
    `chmod ${file.mode} "$tmp"`,
    'got=$(sha256sum < "$tmp" | cut -d" " -f1)',
    `if [ "$got" != ${file.sha256} ]; then echo "the copy arrived with checksum $got, not ${file.sha256}" >&2; exit 1; fi`,
    `mv -f "$tmp" ${q(file.path)}`,
  ].join('\n');
}

export function systemctlScript(verb: 'daemon-reload' | 'enable' | 'start' | 'reload' | 'restart'): string {
  return verb === 'daemon-reload' ? 'systemctl daemon-reload' : `systemctl ${verb} ${SERVICE}`;
}
