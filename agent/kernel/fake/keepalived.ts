// keepalived in memory, for the applier's and Status's tests: a file, a process that may
// run or not, the reloads it received, and the state a test says it notified.
import type { Keepalived, KeepalivedProcess, NotifiedState } from '../keepalived';

export class FakeKeepalived implements Keepalived {
  readonly notifyScriptPath = '/state/vrrp-notify.sh';
  config: string | undefined;
  isInstalled = true;
  process: KeepalivedProcess | undefined = { pid: 4242, startedAtMs: 1_000 };
  notified: NotifiedState | undefined;
  reloads = 0;
  /** set to make the next writeConfig fail */
  failWrite: Error | undefined;
  /** what keepalived --config-test says against every configuration (undefined: it accepts them) */
  configRefusal: string | undefined;
  /** the texts given to testConfig */
  tested: string[] = [];

  constructor(readonly configPath = '/etc/keepalived/keepalived.conf', readonly pidFile = '/run/keepalived.pid') {}

  async installed() { return this.isInstalled; }
  async running() { return this.process; }
  async readConfig() { return this.config; }
  async writeConfig(text: string) {
    if (this.failWrite) throw this.failWrite;
    this.config = text;
  }
  async removeConfig() { this.config = undefined; }
  /** how often the agent made sure the file is its owner's only */
  keptPrivate = 0;
  async keepConfigPrivate() { this.keptPrivate += 1; }
  /** set to make the next reload fail */
  failReload: Error | undefined;
  async testConfig(text: string) {
    this.tested.push(text);
    return this.configRefusal;
  }
  async ensureNotifyScript() { /* nothing to write */ }
  async reload() {
    const failure = this.failReload;
    this.failReload = undefined;
    if (failure) throw failure;
    this.reloads += 1;
  }
  async readNotified() { return this.notified; }
}
