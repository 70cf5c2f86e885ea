// A director's VRRP state read back from keepalived, for Status, Health and metrics:
// STOPPED when no keepalived runs; the state its notify script last recorded, when that
// was after keepalived started (an older line belongs to a previous run) and names this
// group's instance; UNKNOWN otherwise. Also whether keepalived.conf is still the agent's.
import { errorMessage } from '../../lvs/errors';
import type { VrrpPlan, VrrpSource, VrrpStatus } from '../../lvs/vrrp';
import type { Keepalived } from '../kernel/keepalived';
import { advertisedBeforeIn, instanceName, renderKeepalivedConfig } from './keepalived-config';

export async function readVrrpStatus(keepalived: Keepalived, vrrp: VrrpPlan): Promise<VrrpStatus> {
  const base = { group: vrrp.group, priority: vrrp.priority };
  const [process, config, notified] = await Promise.all([keepalived.running(), keepalived.readConfig(), keepalived.readNotified()]);
  // rendered as the apply renders it over this file: with the addresses it advertises kept
  const configOwned = config === renderKeepalivedConfig(vrrp, keepalived.notifyScriptPath, advertisedBeforeIn(config, vrrp).advertised);
  const configNote = configOwned ? [] : [`${keepalived.configPath} is not the configuration lvsctl wrote for this plan`];
  if (!process) {
    return { ...base, state: 'STOPPED', configOwned, note: ['keepalived is not running', ...configNote].join('; ') };
  }
  // The notify line has whole seconds; the process start is exact.
  const current = notified && notified.instance === instanceName(vrrp) && notified.atMs >= process.startedAtMs - 1000;
  if (!current || notified.state === 'STOP') {
    return { ...base, state: 'UNKNOWN', configOwned, note: [`keepalived (pid ${process.pid}) has reported no state for this group since it started`, ...configNote].join('; ') };
  }
  return {
    ...base,
    state: notified.state,
    since: new Date(notified.atMs).toISOString(),
    configOwned,
    ...(configNote.length > 0 ? { note: configNote.join('; ') } : {}),
  };
}

/** The source Status and Health ask: the VRRP of the last applied plan, if it has one. */
export function vrrpSource(keepalived: Keepalived, lastVrrp: () => Promise<VrrpPlan | undefined>): VrrpSource {
  return {
    async read() {
      const vrrp = await lastVrrp();
      if (!vrrp) return undefined;
      try {
        return await readVrrpStatus(keepalived, vrrp);
      } catch (error) {
        return { group: vrrp.group, priority: vrrp.priority, state: 'UNKNOWN', configOwned: false, note: `cannot read keepalived's state: ${errorMessage(error)}` };
      }
    },
  };
}
