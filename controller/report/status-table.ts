// lvsctl status, for people: each director's table as `ipvsadm -Ln --stats` shows it, with
// the plan's service and realserver names, then what drifted from the plan.
import type { ServiceCounters } from '../../lvs/status';
import { destinationKeyString, serviceKeyString } from '../../lvs/model';
import type { DirectorStatus } from '../../lvs/wire/status-encode';
import type { HostAnswer } from './host-answer';
import type { DriftReport } from './drift';
import { textTable } from './text-table';

export interface StatusView {
  status: DirectorStatus;
  drift: DriftReport;
}

export interface Names {
  /** the plan's name of a service key string ("tcp 10.0.0.100:80" → "shop") */
  service(id: string): string | undefined;
  /** the plan's host name of an address */
  host(address: string): string | undefined;
}

function settings(s: ServiceCounters): string {
  const p = s.service.persistence;
  return `${s.service.scheduler}${s.service.flags.length ? ` (${s.service.flags.join(',')})` : ''}${p ? ` persistent ${p.timeout}` : ''}${s.managed ? '' : ' unmanaged'}`;
}

const FORWARD = { dr: 'Route', nat: 'Masq', tun: 'Tunnel' } as const;

export function renderStatus(answers: readonly HostAnswer<StatusView>[], names: Names): string {
  const out: string[] = [];
  for (const a of answers) {
    if (!a.ok) {
      out.push(`${a.host}: ${a.kind}: ${a.reason}\n`);
      continue;
    }
    const rows: string[][] = [];
    for (const s of a.value.status.services) {
      const id = serviceKeyString(s.service.key);
      const st = s.stats;
      rows.push([names.service(id) ?? '-', id, settings(s), '', '', '', st ? String(st.connections) : '-', st ? String(st.inPackets) : '-', st ? String(st.outPackets) : '-', st ? String(st.inBytes) : '-', st ? String(st.outBytes) : '-']);
      for (const d of s.destinations) {
        const address = destinationKeyString(d.destination);
        const ds = d.stats;
        rows.push(['', `  -> ${names.host(d.destination.address) ?? '?'} ${address}`, FORWARD[d.destination.forwarding], String(d.destination.weight), String(d.activeConnections), String(d.inactiveConnections),
          ds ? String(ds.connections) : '-', ds ? String(ds.inPackets) : '-', ds ? String(ds.outPackets) : '-', ds ? String(ds.inBytes) : '-', ds ? String(ds.outBytes) : '-']);
      }
    }
    out.push(`${a.host}:\n`);
    const vrrp = a.value.status.vrrp;
    if (vrrp) {
      out.push(`group ${vrrp.group}: ${vrrp.state}${vrrp.since ? ` since ${vrrp.since}` : ''} (priority ${vrrp.priority})${vrrp.note ? `: ${vrrp.note}` : ''}\n`);
    }
    out.push(rows.length ? textTable(['SERVICE', 'KERNEL', 'SETTINGS', 'WEIGHT', 'ACTIVE', 'INACTIVE', 'CONNS', 'INPKTS', 'OUTPKTS', 'INBYTES', 'OUTBYTES'], rows) : '(no virtual services)\n');
    const { drift, explained } = a.value.drift;
    out.push(drift.length === 0 ? 'no drift from the plan\n' : `drift from the plan:\n${drift.map((d) => `  ${d.kind}: ${d.message}`).join('\n')}\n`);
    if (explained.length) out.push(`weights set by health:\n${explained.map((e) => `  ${e.message}`).join('\n')}\n`);
  }
  return out.join('\n');
}
