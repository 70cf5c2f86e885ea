// The slice of the kernel a realserver agent reads and (in prepare mode) changes.
import { createExec, type Exec } from '../kernel/exec';
import type { Addresses } from '../kernel/addresses';
import type { FtpConfigFiles } from '../kernel/ftp-config';
import type { Routes } from '../kernel/routes';
import type { Neighbours } from '../kernel/neighbours';
import { LinuxNeighbours } from '../kernel/linux/neighbours';
import type { Sysctl } from '../kernel/sysctl';
import { LinuxAddresses } from '../kernel/linux/addresses';
import { LinuxFtpConfigFiles } from '../kernel/linux/ftp-config';
import { LinuxRoutes } from '../kernel/linux/routes';
import { LinuxSysctl } from '../kernel/linux/sysctl';

export interface RealserverKernel {
  sysctl: Sysctl;
  addresses: Addresses;
  routes: Routes;
  neighbours: Neighbours;
  ftpConfig: FtpConfigFiles;
}

export function createLinuxRealserverKernel(exec: Exec = createExec({ timeoutMs: 30_000 })): RealserverKernel {
  return {
    sysctl: new LinuxSysctl(),
    addresses: new LinuxAddresses(exec),
    routes: new LinuxRoutes(exec),
    neighbours: new LinuxNeighbours(exec),
    ftpConfig: new LinuxFtpConfigFiles(),
  };
}
