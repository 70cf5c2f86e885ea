// The door to keepalived on a director in a group: its configuration file, whether it is
// installed and running, a reload, and the VRRP state it reported through the notify
// script the agent gives it. The Linux door is linux/keepalived.ts; fake/keepalived.ts
// keeps all of it in memory.
import type { VrrpState } from '../../lvs/vrrp';

/** What keepalived's notify script last recorded. */
export interface NotifiedState {
  /** as keepalived passes it: MASTER, BACKUP, FAULT or STOP */
  state: VrrpState | 'STOP';
  instance: string;
  priority: number;
  /** ms since the epoch, when the script ran */
  atMs: number;
}

export interface KeepalivedProcess {
  pid: number;
  /** ms since the epoch */
  startedAtMs: number;
}

export interface Keepalived {
  /** where the configuration is written (--keepalived-config) */
  readonly configPath: string;
  /** the pid file of the running keepalived (--keepalived-pidfile) */
  readonly pidFile: string;
  /** the script keepalived runs on every state change; it writes what readNotified reads */
  readonly notifyScriptPath: string;
  /** the keepalived binary is on PATH */
  installed(): Promise<boolean>;
  /** the running keepalived (its pid file names a live keepalived process), or undefined */
  running(): Promise<KeepalivedProcess | undefined>;
  /** the file's text, undefined when absent */
  readConfig(): Promise<string | undefined>;
  /**
   * keepalived's own check of a configuration before it is written (`keepalived --config-test`
   * of a copy): undefined when keepalived accepts it, else what keepalived said against it.
   * Throws when the check could not be run.
   */
  testConfig(text: string): Promise<string | undefined>;
  /** atomic: the old content or the new, never half */
  writeConfig(text: string): Promise<void>;
  /** takes the file away (an absent file is no error): a first one written by a failed apply */
  removeConfig(): Promise<void>;
  /**
   * The file readable by its owner only (it holds auth_pass): one an earlier agent wrote 0644,
   * and left as planned since, is made 0600. An absent file is no error.
   */
  keepConfigPrivate(): Promise<void>;
  /** (re)writes the notify script, executable, when its text differs */
  ensureNotifyScript(): Promise<void>;
  /** asks the running keepalived to read its configuration again (SIGHUP) */
  reload(process: KeepalivedProcess): Promise<void>;
  /** the last state the notify script recorded, undefined when it never ran */
  readNotified(): Promise<NotifiedState | undefined>;
}
