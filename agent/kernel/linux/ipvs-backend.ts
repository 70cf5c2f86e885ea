// Which door to IPVS the agent uses: `--ipvs netlink` (the kernel's generic netlink family,
// no process per read or write), `--ipvs ipvsadm` (the tool), or `--ipvs auto`: netlink when
// the package loads and the kernel knows the "IPVS" family, else ipvsadm, said once in the
// log with the reason. Chosen once at start; the agent's Hello names it (ipvs-netlink,
// ipvs-ipvsadm). A kernel whose ip_vs module is not loaded yet (a director just booted: nothing
// loads it before the first ipvsadm, and the family's name loads no module) gets `modprobe
// ip_vs` first, as ipvsadm does for itself: otherwise auto would settle on ipvsadm for the
// agent's whole life, and expire_quiescent_template, set at start, would have no file.
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

/** `modprobe ip_vs`; throws what modprobe said (a missing module, no CAP_SYS_MODULE) */
async function loadIpvsModule(exec: Exec): Promise<void> {
  await exec('modprobe', ['ip_vs']);
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
  const why = await probeLoadingModule(sockets, deps);
  if (choice === 'netlink') {
    // chosen by name: a kernel still without ip_vs is the preconditions' to report, at apply
    if (why !== undefined) deps.log.warn('IPVS through netlink (--ipvs netlink), though it is not usable yet: each apply says so until it is', { why });
    else deps.log.info('IPVS through netlink (--ipvs netlink)');
    return netlink();
  }
  if (why !== undefined) {
    deps.log.warn('IPVS through ipvsadm: netlink is not usable here', { why });
    return ipvsadm();
  }
  deps.log.info('IPVS through netlink (--ipvs auto found the IPVS generic netlink family)');
  return netlink();
}

/** undefined when the kernel resolves the family, at once or once `modprobe ip_vs` loaded it; else why not. */
async function probeLoadingModule(sockets: RawNetlinkSocketFactory, deps: IpvsBackendDeps): Promise<string | undefined> {
  const first = await probeFamily(sockets);
  if (first !== ABSENT) return first;
  try {
    await loadIpvsModule(deps.exec);
  } catch (error) {
    return `${ABSENT}, and modprobe ip_vs failed: ${errorMessage(error)}`;
  }
  const then = await probeFamily(sockets);
  if (then === undefined) deps.log.info('loaded the ip_vs module (modprobe ip_vs): the kernel had no IPVS yet; load it at boot with echo ip_vs > /etc/modules-load.d/ipvs.conf');
  return then === ABSENT ? `${ABSENT}, even after modprobe ip_vs` : then;
}

const ABSENT = `the kernel has no "${IPVS_GENL_NAME}" generic netlink family (ip_vs is not loaded)`;

/** undefined when the kernel resolves the family; ABSENT without it; else why not. */
async function probeFamily(sockets: RawNetlinkSocketFactory): Promise<string | undefined> {
  let channel: GenlChannel | undefined;
  try {
    channel = new GenlChannel(sockets(), { timeoutMs: PROBE_TIMEOUT_MS, maxDumpBytes: 0, batchBytes: 0 });
    const id = await channel.resolveFamily(IPVS_GENL_NAME);
    return id === undefined ? ABSENT : undefined;
  } catch (error) {
    return `cannot ask the kernel for the "${IPVS_GENL_NAME}" family: ${errorMessage(error)}`;
  } finally {
    channel?.close();
  }
}
