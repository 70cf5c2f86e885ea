// Sysctls: read straight from /proc/sys (no process per key), written with one `sysctl -w`.
import { readFile } from 'node:fs/promises';
import type { Exec } from '../exec';
import { procSysPath, type Sysctl, type SysctlKey } from '../sysctl';

export type ReadProcFile = (path: string) => Promise<string>;

const SYSCTL_VALUE = /^[0-9A-Za-z_. -]{0,64}$/;

export class LinuxSysctl implements Sysctl {
  constructor(
    private readonly exec: Exec,
    private readonly readProcFile: ReadProcFile = (path) => readFile(path, 'utf8'),
  ) {}

  async read(keys: readonly SysctlKey[]): Promise<Map<SysctlKey, string | undefined>> {
    const values = new Map<SysctlKey, string | undefined>();
    for (const key of keys) {
      try {
        values.set(key, (await this.readProcFile(procSysPath(key))).trim());
      } catch (e) {
        // An absent device has no directory under /proc/sys/net/ipv4/conf: that is "no value".
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        values.set(key, undefined);
      }
    }
    return values;
  }

  async write(values: ReadonlyArray<readonly [SysctlKey, string]>): Promise<void> {
    if (values.length === 0) return;
    const args = values.map(([key, value]) => {
      procSysPath(key); // validates the name
      if (!SYSCTL_VALUE.test(value)) throw new Error(`refusing sysctl value ${JSON.stringify(value)} for ${key}`);
      return `${key}=${value}`;
    });
    await this.exec('sysctl', ['-w', ...args]);
  }
}
