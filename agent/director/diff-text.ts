// What the operator reads about a director's changes: one line per operation for the step
// events, and before/after text of the IPVS table (ipvsadm -S style) and the mark rules.
import type { DiffEvent } from '../../lvs/apply-events';
import { renderIpvsState } from '../../lvs/formats/ipvsadm-format';
import {
  destinationKeyString,
  markRuleString,
  serviceKeyString,
  type Destination,
  type IpvsService,
  type MarkRule,
  type ServiceKey,
  type VirtualService,
} from '../../lvs/model';
import { canonicalDestinationOrder, canonicalServiceOrder } from './ipvs-table';
import type { IpvsOperation } from '../../lvs/operations';
import type { Pausable } from '../../lvs/yield-point';

export interface OperationText {
  action: IpvsOperation['op'];
  target: string;
  message: string;
}

export function describeOperation(op: IpvsOperation): OperationText {
  switch (op.op) {
    case 'add-service':
      return { action: op.op, target: serviceKeyString(op.service.key), message: `add service (${serviceSettingsText(op.service)})` };
    case 'edit-service':
      return {
        action: op.op,
        target: serviceKeyString(op.service.key),
        message: `edit service in place: ${serviceSettingsText(op.before)} -> ${serviceSettingsText(op.service)}`,
      };
    case 'delete-service':
      return { action: op.op, target: serviceKeyString(op.service.key), message: 'delete service no longer in the plan' };
    case 'add-destination':
      return { action: op.op, target: destinationTarget(op.key, op.destination), message: `add realserver (${destinationText(op.destination)})` };
    case 'edit-destination':
      return {
        action: op.op,
        target: destinationTarget(op.key, op.destination),
        message: `edit realserver in place: ${destinationText(op.before)} -> ${destinationText(op.destination)}`,
      };
    case 'delete-destination':
      return { action: op.op, target: destinationTarget(op.key, op.destination), message: 'delete realserver no longer in the plan' };
  }
}

/**
 * A service the plan adds, with the realservers added to it in the same batch: one step says
 * it all (a 2,000-service load is 2,000 steps, not 22,000), every realserver named with its
 * settings, as its own add-destination step would have.
 */
export function describeNewService(service: VirtualService, destinations: readonly Destination[]): OperationText {
  const target = serviceKeyString(service.key);
  const settings = serviceSettingsText(service);
  if (destinations.length === 0) return { action: 'add-service', target, message: `add service (${settings})` };
  const named = destinations.map((d) => `${destinationKeyString(d)} (${destinationText(d)})`).join(', ');
  const count = destinations.length === 1 ? '1 realserver' : `${destinations.length} realservers`;
  return { action: 'add-service', target, message: `add service (${settings}) with ${count}: ${named}` };
}

function destinationTarget(key: ServiceKey, d: Destination): string {
  return `${serviceKeyString(key)} -> ${destinationKeyString(d)}`;
}

function serviceSettingsText(s: VirtualService): string {
  const parts = [`scheduler ${s.scheduler}`];
  if (s.flags.length) parts.push(`flags ${[...s.flags].sort().join(',')}`);
  parts.push(s.persistence ? `persistent ${s.persistence.timeout}s${s.persistence.netmask ? ` netmask ${s.persistence.netmask}` : ''}` : 'not persistent');
  return parts.join(', ');
}

function destinationText(d: Destination): string {
  return `${d.forwarding}, weight ${d.weight}`;
}

/**
 * The most text one side of the IPVS diff may hold: a diff event must fit one gRPC message
 * (lvs/wire/limits.ts) with both sides; past that the text is cut, saying so.
 */
export const DIFF_SIDE_MAX_CHARS = 6_000_000;

/**
 * Before/after text of the services that change, in canonical order; pausable between
 * services. Only those: the whole of a 2,000-service table on both sides was 2 MB rendered,
 * sent and dropped at every apply (a no-op too) when the operator asked for no --diff, and
 * what does not change shows nothing in a diff anyway.
 */
export function* ipvsDiffSteps(before: readonly IpvsService[], after: readonly IpvsService[]): Pausable<DiffEvent> {
  // A projection shares every service no operation touched with the table it came from
  // (ipvs-table.ts): the same object is the same service, unchanged.
  const inAfter = new Set(after);
  const unchanged = new Set<IpvsService>();
  for (const s of before) {
    if (inAfter.has(s)) unchanged.add(s);
    yield;
  }
  const changedBefore = before.filter((s) => !unchanged.has(s));
  const changedAfter = after.filter((s) => !unchanged.has(s));
  const note = unchanged.size === 0 ? '' : `# the table holds ${after.length} service(s); only the ${Math.max(changedBefore.length, changedAfter.length)} that change are shown\n`;
  const beforeText = cut(note + (yield* ipvsTextSteps(changedBefore)));
  const afterText = cut(note + (yield* ipvsTextSteps(changedAfter)));
  return { kind: 'diff', subject: 'ipvs', before: beforeText, after: afterText };
}

function cut(text: string): string {
  if (text.length <= DIFF_SIDE_MAX_CHARS) return text;
  const end = text.lastIndexOf('\n', DIFF_SIDE_MAX_CHARS - 200) + 1;
  return `${text.slice(0, end)}# ... cut here: ${text.length - end} more characters (the whole table: ipvsadm -S -n on the director)\n`;
}

/**
 * The table as ipvsadm -S prints it, services by key and destinations by address:port, one
 * service at a time (renderIpvsState of a table is the concatenation of its services' text).
 */
function* ipvsTextSteps(services: readonly IpvsService[]): Pausable<string> {
  const parts: string[] = [];
  for (const s of canonicalServiceOrder(services)) {
    parts.push(renderIpvsState([{ service: s.service, destinations: canonicalDestinationOrder(s) }]));
    yield;
  }
  return parts.join('');
}

/** One line per rule, in chain order (order decides which MARK wins). */
export function markRulesText(rules: readonly MarkRule[]): string {
  return rules.map((r) => `${markRuleString(r)}\n`).join('');
}

export function marksDiff(before: MarkRule[], after: MarkRule[]): DiffEvent {
  return { kind: 'diff', subject: 'marks', before: markRulesText(before), after: markRulesText(after) };
}
