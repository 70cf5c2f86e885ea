// Which door to IPVS the agent uses: `--ipvs netlink` (the kernel's generic netlink family,
// no process per read or write), `--ipvs ipvsadm` (the tool), or `--ipvs auto`: netlink when
// the package loads and the kernel knows the "IPVS" family, else ipvsadm, said once in the
// log with the reason. Chosen once at start; the agent's Hello names it (ipvs-netlink,
// ipvs-ipvsadm).
import { errorMessage } from '../../../lvs/errors';
import type { IpvsBackendChoice } from '../backend-choices';
import { IPVS_GENL_NAME } from '../../../lvs/formats/ipvs-netlink';
import type { Exec } from '../exec';
import type { Ipvs } from '../ipvs';
import { GenlChannel } from './genl-channel';
import { LinuxIpvs } from './ipvs';
import { procConnectionsReader } from './ipvs-conn-file';
import { NetlinkIpvs } from './netlink-ipvs';
import { loadNetlinkSockets, type RawNetlinkSocketFactory } from './netlink-socket';

export type IpvsBackendName = 'netlink' | 'ipvsadm';

export interface ChosenIpvs {
  ipvs: Ipvs;
  backend: IpvsBackendName;
}

export interface IpvsBackendDeps {
  exec: Exec;
  /** the netlink package's sockets, or why not (injected: tests have no IPVS) */
  loadSockets?: () => RawNetlinkSocketFactory | Error;
  log: { info(message: string, meta?: object): unknown; warn(message: string, meta?: object): unknown };
}

const PROBE_TIMEOUT_MS = 15_000;

export async function chooseIpvsBackend(choice: IpvsBackendChoice, deps: IpvsBackendDeps): Promise<ChosenIpvs> {
  const ipvsadm = (): ChosenIpvs => ({ ipvs: new LinuxIpvs(deps.exec), backend: 'ipvsadm' });
  if (choice === 'ipvsadm') {
    deps.log.info('IPVS through ipvsadm (--ipvs ipvsadm)');
    return ipvsadm();
  }
  const sockets = (deps.loadSockets ?? loadNetlinkSockets)();
  if (sockets instanceof Error) {
    if (choice === 'netlink') throw new Error(`--ipvs netlink: ${sockets.message}; use --ipvs ipvsadm (or auto)`);
    deps.log.warn('IPVS through ipvsadm: netlink is not usable here', { why: sockets.message });
    return ipvsadm();
  }
  const netlink = (): ChosenIpvs => ({ ipvs: new NetlinkIpvs({ openSocket: sockets, readConnections: procConnectionsReader() }), backend: 'netlink' });
  if (choice === 'netlink') {
    // chosen by name: a kernel without ip_vs yet is the preconditions' to report, at apply
    deps.log.info('IPVS through netlink (--ipvs netlink)');
    return netlink();
  }
  const why = await probeFamily(sockets);
  if (why !== undefined) {
    deps.log.warn('IPVS through ipvsadm: netlink is not usable here', { why });
    return ipvsadm();
  }
  deps.log.info('IPVS through netlink (--ipvs auto found the IPVS generic netlink family)');
  return netlink();
}

/** undefined when the kernel resolves the family; else why not. */
async function probeFamily(sockets: RawNetlinkSocketFactory): Promise<string | undefined> {
  let channel: GenlChannel | undefined;
  try {
    channel = new GenlChannel(sockets(), { timeoutMs: PROBE_TIMEOUT_MS, maxDumpBytes: 0, batchBytes: 0 });
    const id = await channel.resolveFamily(IPVS_GENL_NAME);
    return id === undefined ? `the kernel has no "${IPVS_GENL_NAME}" generic netlink family (ip_vs is not loaded)` : undefined;
  } catch (error) {
    return `cannot ask the kernel for the "${IPVS_GENL_NAME}" family: ${errorMessage(error)}`;
  } finally {
    channel?.close();
  }
}
