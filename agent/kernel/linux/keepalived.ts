// keepalived on a real director. Running = the pid file names a live process whose comm
// is "keepalived"; reload = SIGHUP to it (what `systemctl reload keepalived` sends); the
// VRRP state comes from the notify script keepalived runs on every transition, which
// writes one line to a file in the agent's state dir (why a notify file and not the
// SIGUSR1 data dump: docs/ha.md, "Reading keepalived's state").
import { promises as fs, constants } from 'node:fs';
import * as path from 'node:path';
import type { Keepalived, KeepalivedProcess, NotifiedState } from '../keepalived';
import { writeFileAtomically } from '../atomic-file';
import { createExec, ExecError, type Exec } from '../exec';
import { firstOf } from '../../../lvs/first-of';

export const DEFAULT_KEEPALIVED_CONFIG = '/etc/keepalived/keepalived.conf';
export const DEFAULT_KEEPALIVED_PIDFILE = '/run/keepalived.pid';
const STATE_FILE = 'vrrp-state';
const SCRIPT_FILE = 'vrrp-notify.sh';
/** the copy keepalived --config-test reads: it holds the VRRP password, so it lives in the agent's own state dir */
const CONFIG_TEST_FILE = 'keepalived-config-test.conf';
/** keepalived checks a file in well under a second; one that hangs must not hold the apply */
const CONFIG_TEST_TIMEOUT_MS = 15_000;
/** what keepalived says against a rendered file is a few lines (it repeats some): more is cut */
const CONFIG_TEST_MAX_LINES = 6;
const CONFIG_TEST_MAX_LINE_CHARS = 200;
const NOTIFIED_STATES = new Set(['MASTER', 'BACKUP', 'FAULT', 'STOP']);

export interface LinuxKeepalivedOptions {
  configPath: string;
  pidFile: string;
  /** the agent's --state-dir: holds the notify script and the file it writes */
  stateDir: string;
  /** PATH to search for the binary; default process.env.PATH */
  searchPath?: string;
  /** runs keepalived --config-test; default createExec() */
  exec?: Exec;
}

/** The notify script's text: keepalived appends TYPE NAME STATE PRIORITY to its command line. */
export function notifyScriptText(stateFile: string): string {
  const quoted = `'${stateFile.replace(/'/g, `'\\''`)}'`;
  return [
    '#!/bin/sh',
    '# Written by lvsctl-agent: keepalived runs it on every VRRP state change ("notify" in the',
    '# vrrp_instance it renders) with TYPE NAME STATE PRIORITY; the agent reads the one line it writes.',
    `printf '%s %s %s %s\\n' "$3" "$2" "$4" "$(date +%s)" > ${quoted}.tmp && mv -f ${quoted}.tmp ${quoted}`,
    '',
  ].join('\n');
}

/** One line "STATE INSTANCE PRIORITY EPOCH_SECONDS", or undefined when it is not that. */
export function parseNotifiedLine(text: string, mtimeMs: number): NotifiedState | undefined {
  const [state, instance, priority, at] = text.trim().split(/\s+/);
  if (!state || !NOTIFIED_STATES.has(state) || !instance) return undefined;
  const seconds = Number(at);
  return {
    state: state as NotifiedState['state'],
    instance,
    priority: Number(priority) || 0,
    atMs: Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : mtimeMs,
  };
}

/** keepalived reads the old text or the new, never half; /etc/keepalived stays world-readable. */
function writeAtomically(file: string, body: string, mode: number): Promise<void> {
  return writeFileAtomically(file, body, { fileMode: mode, directoryMode: 0o755 });
}

async function exists(file: string, mode: number): Promise<boolean> {
  try {
    await fs.access(file, mode);
    return true;
  } catch {
    return false;
  }
}

/** When the process started, from /proc: boot time + its start time in clock ticks (USER_HZ 100). */
async function startedAtMs(pid: number): Promise<number> {
  const [stat, procStat] = await Promise.all([fs.readFile(`/proc/${pid}/stat`, 'utf8'), fs.readFile('/proc/stat', 'utf8')]);
  // comm may hold spaces: the fields after it start past the last ")"
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[19]);
  const boot = Number(/^btime (\d+)$/m.exec(procStat)?.[1]);
  return boot * 1000 + ticks * 10;
}

/**
 * What keepalived --config-test printed against a file, as one line: the copy's name taken out
 * of its "(FILE: Line N)" (the line numbers are those of the file as it would be written),
 * repeated lines once, at most a few.
 */
export function configTestComplaint(stderr: string, copy: string, exitCode: number | null): string {
  const lines: string[] = [];
  for (const raw of stderr.split('\n')) {
    const line = raw.split(`(${copy}: Line `).join('(line ').trim();
    if (line === '' || lines.includes(line)) continue;
    lines.push(line.length > CONFIG_TEST_MAX_LINE_CHARS ? `${line.slice(0, CONFIG_TEST_MAX_LINE_CHARS)}…` : line);
  }
  if (lines.length === 0) return `keepalived --config-test exited with status ${exitCode} and said nothing`;
  return firstOf(lines, CONFIG_TEST_MAX_LINES, '; ', ' lines');
}

export function createLinuxKeepalived(options: LinuxKeepalivedOptions): Keepalived {
  const stateFile = path.join(options.stateDir, STATE_FILE);
  const notifyScriptPath = path.join(options.stateDir, SCRIPT_FILE);
  const exec = options.exec ?? createExec();
  const binary = async (): Promise<string | undefined> => {
    const dirs = (options.searchPath ?? process.env.PATH ?? '').split(':').filter(Boolean);
    for (const dir of [...dirs, '/usr/sbin', '/sbin']) {
      const file = path.join(dir, 'keepalived');
      if (await exists(file, constants.X_OK)) return file;
    }
    return undefined;
  };
  return {
    configPath: options.configPath,
    pidFile: options.pidFile,
    notifyScriptPath,
    async installed() {
      return (await binary()) !== undefined;
    },
    async testConfig(text) {
      const file = await binary();
      if (file === undefined) throw new Error('keepalived is not installed (not found in PATH, /usr/sbin or /sbin)');
      const copy = path.join(options.stateDir, CONFIG_TEST_FILE);
      // made anew with its mode (a copy left by a killed agent may have another): only root reads the password
      await fs.rm(copy, { force: true });
      await fs.writeFile(copy, text, { mode: 0o600, flag: 'wx' });
      try {
        const { stderr } = await exec(file, ['--config-test', '-f', copy], { timeoutMs: CONFIG_TEST_TIMEOUT_MS, maxOutputBytes: 1024 * 1024 });
        // keepalived 2.2 exits 0 for a file it could not open: that is no test
        if (/Config files? missing/i.test(stderr)) throw new Error(`keepalived --config-test could not read ${copy}: ${stderr.trim().slice(0, CONFIG_TEST_MAX_LINE_CHARS)}`);
        return undefined;
      } catch (error) {
        if (error instanceof ExecError && error.reason === 'exit') return configTestComplaint(error.stderr, copy, error.exitCode);
        throw error;
      } finally {
        await fs.rm(copy, { force: true });
      }
    },
    async running(): Promise<KeepalivedProcess | undefined> {
      let pid: number;
      try {
        pid = Number((await fs.readFile(options.pidFile, 'utf8')).trim());
      } catch {
        return undefined;
      }
      if (!Number.isInteger(pid) || pid <= 1) return undefined;
      try {
        const comm = (await fs.readFile(`/proc/${pid}/comm`, 'utf8')).trim();
        if (comm !== 'keepalived') return undefined;
        return { pid, startedAtMs: await startedAtMs(pid) };
      } catch {
        return undefined;
      }
    },
    async readConfig() {
      try {
        return await fs.readFile(options.configPath, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async writeConfig(text) {
      // 0600: it holds the group's VRRP password (auth_pass); keepalived reads it as root
      await writeAtomically(options.configPath, text, 0o600);
    },
    async removeConfig() {
      await fs.rm(options.configPath, { force: true });
    },
    async keepConfigPrivate() {
      const mode = await fs.stat(options.configPath).then((st) => st.mode, (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      if (mode !== undefined && (mode & 0o077) !== 0) await fs.chmod(options.configPath, 0o600);
    },
    async ensureNotifyScript() {
      const text = notifyScriptText(stateFile);
      const current = await fs.readFile(notifyScriptPath, 'utf8').catch(() => undefined);
      if (current !== text) await writeAtomically(notifyScriptPath, text, 0o700);
      await fs.chmod(notifyScriptPath, 0o700);
    },
    async reload(process_) {
      process.kill(process_.pid, 'SIGHUP');
    },
    async readNotified() {
      try {
        const [text, stat] = await Promise.all([fs.readFile(stateFile, 'utf8'), fs.stat(stateFile)]);
        return parseNotifiedLine(text, stat.mtimeMs);
      } catch {
        return undefined;
      }
    },
  };
}
