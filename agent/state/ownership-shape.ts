// The ownership file as this agent writes it (DirectorOwnership, the record ownership.ts reads
// and writes), checked without zod: loading zod takes a second or two the first time in the
// lab's kernel (hundreds of small files), and a director whose file is as it wrote it never
// needs it. This check accepts exactly the files the zod schema
// in ownership.ts accepts (test/unit/state/ownership-shape.test.ts compares the two); anything
// it does not accept goes to that schema, which names the first problem. Pure.
import { PROTOCOLS, type MarkRule, type ServiceKey } from '../../lvs/model';
import type { Pausable } from '../../lvs/yield-point';

/** A destination the plan dropped, at weight 0 until its connections end or the drain times out. */
export interface DrainingDestination {
  /** when the drain began (weight set to 0), ms since the epoch */
  since: number;
  service: ServiceKey;
  address: string;
  port: number;
}

export interface DirectorOwnership {
  /** services this agent created or adopted */
  services: ServiceKey[];
  /** the rules it put in its mark chain */
  markRules: MarkRule[];
  /** the plan generation of the last apply that changed what is recorded here; 0 before the first apply */
  generation: number;
  /** destinations of owned services being drained, oldest first */
  draining: DrainingDestination[];
}

type Json = Record<string, unknown>;

const FILE_KEYS = new Set(['version', 'generation', 'services', 'markRules', 'draining']);
const MARK_RULE_KEYS = new Set(['mark', 'protocol', 'destination', 'ports', 'inInterface']);

/** The file's content as an ownership, or undefined when anything is not as written (pausing after each service or drain). */
export function* plainOwnershipSteps(json: unknown): Pausable<DirectorOwnership | undefined> {
  if (!isObject(json) || !onlyKeys(json, FILE_KEYS)) return undefined;
  const { version, generation, services, markRules, draining } = json;
  if ((version !== 1 && version !== 2) || !isCount(generation) || !Array.isArray(services) || !Array.isArray(markRules)) return undefined;
  if (draining !== undefined && !Array.isArray(draining)) return undefined;
  for (const key of services) {
    if (!isServiceKey(key)) return undefined;
    yield;
  }
  if (!markRules.every(isMarkRule)) return undefined;
  for (const entry of draining ?? []) {
    if (!isDraining(entry)) return undefined;
    yield;
  }
  return { services: services as ServiceKey[], markRules: markRules as MarkRule[], generation: generation as number, draining: (draining ?? []) as DrainingDestination[] };
}

function isServiceKey(value: unknown): boolean {
  if (!isObject(value)) return false;
  const keys = Object.keys(value);
  if (value.kind === 'fwmark') {
    return keys.length === 3 && 'mark' in value && 'family' in value && isCount(value.mark) && (value.family === 'inet' || value.family === 'inet6');
  }
  return keys.length === 3 && (PROTOCOLS as readonly unknown[]).includes(value.kind) && 'vip' in value && 'port' in value &&
    isText(value.vip) && isPort(value.port);
}

function isMarkRule(value: unknown): boolean {
  if (!isObject(value) || !onlyKeys(value, MARK_RULE_KEYS)) return false;
  return isCount(value.mark) && (PROTOCOLS as readonly unknown[]).includes(value.protocol) && isText(value.destination) &&
    Array.isArray(value.ports) && value.ports.every(isText) && (value.inInterface === undefined || isText(value.inInterface));
}

function isDraining(value: unknown): boolean {
  if (!isObject(value)) return false;
  return Object.keys(value).length === 4 && 'since' in value && 'service' in value && 'address' in value && 'port' in value &&
    isCount(value.since) && isServiceKey(value.service) && isText(value.address) && isPort(value.port);
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function onlyKeys(value: Json, allowed: ReadonlySet<string>): boolean {
  return Object.keys(value).every((k) => allowed.has(k));
}

/** an integer >= 0 (zod's .int().min(0): a safe integer) */
function isCount(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isPort(value: unknown): boolean {
  return isCount(value) && (value as number) <= 65535;
}

function isText(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0;
}
