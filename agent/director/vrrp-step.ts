// The keepalived part of a director's apply, for a director in a group. Before the IPVS
// table is touched: keepalived installed, its configuration the agent's own (or the plan
// says take it over), keepalived running; any of these unmet fails the apply as a
// precondition with its fix and nothing applied (except that a missing or own config is
// written for a keepalived not yet running, so starting it is the whole fix). Then, with
// the table: the config written and keepalived reloaded, only when the text changed. A text
// that changed is first checked by keepalived itself (keepalived --config-test of a copy).
import type { ApplyEvent, ApplyMode } from '../../lvs/apply-events';
import { errorMessage } from '../../lvs/errors';
import { firstOf } from '../../lvs/first-of';
import type { VrrpPlan } from '../../lvs/vrrp';
import type { NetworkInterface } from '../kernel/addresses';
import type { Keepalived, KeepalivedProcess } from '../kernel/keepalived';
import type { PreconditionProblem } from '../kernel/preconditions';
import {
  advertIdentity, advertIdentityChanges, advertisedBeforeIn, configOwnership, keepalivedIncludes, keepalivedVirtualServers, renderKeepalivedConfig, type AdvertIdentity,
} from './keepalived-config';

export interface VrrpChange {
  /** true when the config differs from the file */
  changed: boolean;
  /**
   * When the adverts change so that a backup holding one file drops a master's adverts under
   * the other (the router id, the interval, the password, the advertised address): a notice
   * for the operator, naming what changes. Undefined otherwise.
   */
  advertNotice?: string;
  /** writes the config and reloads keepalived, when changed */
  commit(): Promise<void>;
  /** puts the previous file back and reloads, after a failed apply */
  undo(): Promise<void>;
  /** the step to report, with the status the apply ends in */
  step(status: 'ok' | 'changed' | 'skipped', prefix: string): ApplyEvent;
}

export type VrrpPrepared = { ok: true; change: VrrpChange } | { ok: false; problems: PreconditionProblem[] };

/** Debian's keepalived.service reads this file and writes this pid file. */
const UNIT_CONFIG = '/etc/keepalived/keepalived.conf';
const UNIT_PIDFILE = '/run/keepalived.pid';

/**
 * How to start keepalived so that it reads the file the agent writes and writes the pid file the
 * agent reads: the distribution's unit does for the default paths; other paths need them named.
 */
function startFix(keepalived: Keepalived): string {
  const start = keepalived.configPath === UNIT_CONFIG && keepalived.pidFile === UNIT_PIDFILE
    ? 'systemctl start keepalived'
    : `keepalived -f ${keepalived.configPath} -p ${keepalived.pidFile} (the agent's --keepalived-config and --keepalived-pidfile: systemctl start keepalived would read ${UNIT_CONFIG} and write ${UNIT_PIDFILE})`;
  return `start keepalived (${start}), then run lvsctl rollout again`;
}

export async function prepareVrrp(keepalived: Keepalived, vrrp: VrrpPlan, mode: ApplyMode, interfaces?: () => Promise<NetworkInterface[]>): Promise<VrrpPrepared> {
  const path = keepalived.configPath;
  if (!(await keepalived.installed())) {
    return refused('keepalived', `keepalived is not installed, and this director is in group "${vrrp.group}"`, `install it (apt-get install keepalived), then ${startFix(keepalived)}`);
  }
  // keepalived only logs an interface it cannot find, and the addresses then never come up
  let devices: NetworkInterface[] | undefined;
  try {
    devices = interfaces ? await interfaces() : undefined;
  } catch (error) {
    return refused('interfaces', `could not read this director's network devices (route netlink) to check the interfaces of group "${vrrp.group}": ${errorMessage(error)}`, 'see the agent log; the agent reads them as root through route netlink, then run lvsctl rollout again');
  }
  const missing = devices ? missingInterfaces(vrrp, devices) : [];
  if (missing.length > 0) return { ok: false, problems: missing };
  const before = await keepalived.readConfig();
  const ownership = configOwnership(before);
  if ((ownership === 'foreign' || ownership === 'edited') && !vrrp.takeOverConfig) {
    return refused(
      path,
      ownership === 'edited'
        ? `${path} was written by lvsctl but edited since: lvsctl leaves it alone`
        : `${path} was not written by lvsctl: lvsctl leaves it alone`,
      `move it away (lvsctl writes its own), or set "takeOverKeepalivedConfig": true in the group "${vrrp.group}"`,
    );
  }
  // the adverts of the agent's own file there: what it advertises stays advertised while the
  // group moves it (keepalived-config.ts), and a change of them is told (advertNoticeOf)
  const { adverts, advertised: advertisedBefore } = advertisedBeforeIn(before, vrrp);
  const text = renderKeepalivedConfig(vrrp, keepalived.notifyScriptPath, advertisedBefore);
  const changed = before !== text;
  // a file keepalived refuses, written, would leave the group's addresses down at its next (re)load
  const refusal = changed ? await refusedByKeepalived(keepalived, vrrp, text) : undefined;
  if (refusal) return { ok: false, problems: [refusal] };
  const running = await keepalived.running();
  if (!running) {
    let written = '';
    if (mode === 'apply') {
      await keepalived.ensureNotifyScript();
      if (changed) await keepalived.writeConfig(text);
      written = ` (its configuration for group "${vrrp.group}" is written at ${path})`;
    }
    return refused('keepalived', `keepalived is not running${written}`, startFix(keepalived));
  }
  // A keepalived that runs its own virtual servers deletes them from the table when the
  // reload takes them out of its file: the services lvsctl just applied would go with them.
  // (a file of the agent's edited by hand may hold them too: only the agent's own as written does not)
  const keepalivedServices = ownership !== 'owned' && before !== undefined ? keepalivedVirtualServers(before) : [];
  if (changed && keepalivedServices.length > 0) {
    const named = firstOf(keepalivedServices, 3);
    return refused(
      path,
      `${path} defines IPVS services of keepalived's own (${named}): keepalived deletes them from the table when it reloads without them, so lvsctl does not reload it over them`,
      `take the virtual_server blocks out of ${path} and reload keepalived while this director is the BACKUP (its services go with them), then run lvsctl rollout again; the other director likewise after a failover (docs/ha.md, "Taking over from keepalived")`,
    );
  }
  // the same for virtual servers in files it includes, which the agent does not read
  const includes = ownership !== 'owned' && before !== undefined ? keepalivedIncludes(before) : [];
  if (changed && includes.length > 0) {
    return refused(
      path,
      `${path} includes other files (include ${firstOf(includes, 3)}), which may define IPVS services of keepalived's own: keepalived would delete those from the table when it reloads without them, so lvsctl does not reload it over them`,
      `take the include lines (and any virtual_server blocks) out of ${path} and reload keepalived while this director is the BACKUP, then run lvsctl rollout again; the other director likewise after a failover (docs/ha.md, "Taking over from keepalived")`,
    );
  }
  return { ok: true, change: vrrpChange(keepalived, vrrp, running, before, text, changed, adverts) };
}

/** The notice for a change of the group's adverts between the file there (`was`: the agent's own, read) and the new one. */
function advertNoticeOf(vrrp: VrrpPlan, was: AdvertIdentity | undefined, text: string): string | undefined {
  const now = advertIdentity(text, vrrp);
  if (was === undefined || now === undefined) return undefined;
  const changes = advertIdentityChanges(was, now);
  if (changes.length === 0) return undefined;
  return `group "${vrrp.group}": its VRRP adverts change (${changes.join(', ')}): until every director of the group has the new keepalived.conf, a backup drops the master's adverts and takes the addresses too (two masters for a few seconds, or until the other director is applied): roll out the whole group at once, and apply it when a short double answer is acceptable (docs/ha.md, "What a rollout changes in the adverts")`;
}

/** The group's interfaces (VRRP, sync daemon, NAT gateway) this director has no device for, each a problem. */
export function missingInterfaces(vrrp: VrrpPlan, devices: readonly NetworkInterface[]): PreconditionProblem[] {
  const names = new Set(devices.map((d) => d.name));
  const wanted: [string, string][] = [['interface', vrrp.interface], ['sync.interface', vrrp.syncInterface], ...(vrrp.natGatewayOn ? [['natGatewayInterface', vrrp.natGatewayOn.interface] as [string, string]] : [])];
  const shown = firstOf([...names].sort(), 12);
  const absent = new Map<string, string>(); // device → the first field naming it
  for (const [field, name] of wanted) if (!names.has(name) && !absent.has(name)) absent.set(name, field);
  return [...absent].map(([name, field]) => ({
    subject: `interface ${name}`,
    message: `${name}, the ${field} of group "${vrrp.group}", is no network device of this director (it has ${shown || 'none'})`,
    fix: `name one of its devices in the plan's directorGroups entry "${vrrp.group}", or create ${name}, then run lvsctl rollout again`,
  }));
}

async function refusedByKeepalived(keepalived: Keepalived, vrrp: VrrpPlan, text: string): Promise<PreconditionProblem | undefined> {
  const path = keepalived.configPath;
  let complaint: string | undefined;
  try {
    complaint = await keepalived.testConfig(text);
  } catch (error) {
    return {
      subject: path,
      message: `keepalived could not check the configuration for group "${vrrp.group}" before it is written (${errorMessage(error)}), so ${path} is left as it is`,
      fix: 'make keepalived --config-test -f FILE run on this director (the agent runs it as root, from PATH, /usr/sbin or /sbin), then run lvsctl rollout again',
    };
  }
  if (complaint === undefined) return undefined;
  return {
    subject: path,
    message: `keepalived --config-test refuses the configuration lvsctl rendered for group "${vrrp.group}", so ${path} is left as it is and keepalived is not reloaded: ${complaint}`,
    fix: `correct the plan's directorGroups entry "${vrrp.group}" (or this director's devices) where keepalived points, then run lvsctl rollout again; if the plan is right, report it as an lvsctl bug with this message`,
  };
}

function refused(subject: string, message: string, fix: string): VrrpPrepared {
  return { ok: false, problems: [{ subject, message, fix }] };
}

function vrrpChange(
  keepalived: Keepalived, vrrp: VrrpPlan, process: KeepalivedProcess, before: string | undefined, text: string, changed: boolean, adverts: AdvertIdentity | undefined,
): VrrpChange {
  let committed = false;
  const advertNotice = changed ? advertNoticeOf(vrrp, adverts, text) : undefined;
  return {
    changed,
    ...(advertNotice !== undefined ? { advertNotice } : {}),
    async commit() {
      await keepalived.ensureNotifyScript();
      // as planned: nothing to write, but a file an earlier agent wrote 0644 holds auth_pass;
      // a mode that cannot be changed (a read-only /etc) does not fail an apply that changes nothing there
      if (!changed) return keepalived.keepConfigPrivate().catch(() => undefined);
      await keepalived.writeConfig(text);
      committed = true;
      await keepalived.reload(process);
    },
    async undo() {
      if (!committed) return;
      // A first config has nothing to go back to: it goes, so that the next apply writes it and
      // reloads keepalived again (left, it would be found as planned and never reloaded)
      if (before === undefined) {
        await keepalived.removeConfig();
        return;
      }
      await keepalived.writeConfig(before);
      await keepalived.reload(process);
    },
    step(status, prefix) {
      const what = changed
        ? `${prefix}write ${keepalived.configPath} (group "${vrrp.group}", priority ${vrrp.priority}, ${vrrp.addresses.join(' ')}) and reload keepalived (pid ${process.pid})`
        : `${keepalived.configPath} as planned (group "${vrrp.group}")`;
      return { kind: 'step', action: 'keepalived', target: keepalived.configPath, status: changed ? status : 'ok', message: what };
    },
  };
}
