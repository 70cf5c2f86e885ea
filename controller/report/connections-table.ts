// lvsctl connections, for people: every director's connection entries with the plan's
// names, persistence templates marked, and how many each director returned.
import type { ConnectionEntry } from '../../lvs/formats/ipvs-connections';
import { formatAddressPort } from '../../lvs/model';
import type { HostAnswer } from './host-answer';
import type { Names } from './status-table';
import { textTable } from './text-table';

function expiry(seconds: number): string {
  return `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
}

export function renderConnections(answers: readonly HostAnswer<ConnectionEntry[]>[], names: Names, limit: number): string {
  const rows: string[][] = [];
  const out: string[] = [];
  for (const a of answers) {
    if (!a.ok) continue;
    for (const c of a.value) {
      const virtual = c.fwmark !== undefined ? `fwmark ${c.fwmark}` : formatAddressPort(c.virtual.address, c.virtual.port);
      const realserver = names.host(c.destination.address);
      rows.push([a.host, c.protocol, expiry(c.expiresSeconds), c.state, formatAddressPort(c.client.address, c.client.port), virtual,
        `${realserver ? `${realserver} ` : ''}${formatAddressPort(c.destination.address, c.destination.port)}`, c.template ? 'template' : '']);
    }
  }
  // "no connection entries" only where a director answered: with none, it would read as an empty table
  if (rows.length > 0) out.push(textTable(['DIRECTOR', 'PRO', 'EXPIRE', 'STATE', 'CLIENT', 'VIRTUAL', 'REALSERVER', ''], rows));
  else if (answers.some((a) => a.ok)) out.push('no connection entries\n');
  for (const a of answers) {
    if (!a.ok) out.push(`${a.host}: ${a.kind}: ${a.reason}\n`);
    else if (a.value.length >= limit) out.push(`${a.host}: showing the first ${limit} entries (--limit); there may be more\n`);
  }
  return out.join('\n');
}
