// What the cross-field rules look at: the parts of a plan that passed the schema. When
// the whole plan parses, that is all of it; when it does not, every host, mark and
// service that parses on its own is kept (at its own index), so one typo does not hide
// the other problems of the plan. Rules that conclude from absence ("no such host",
// "mark unused") consult `complete` so a broken neighbour cannot cause a false alarm.
import { z } from 'zod';
import type { PlanProblem } from '../errors';
import { directorGroupSchema, type PlanDirectorGroup } from '../director-group-schema';
import { agentSchema, hostSchema, markSchema, serviceSchema, type Plan, type PlanHost, type PlanMark, type PlanService } from '../schema';

export interface PlanView {
  /** every key of `hosts`, parsed or not */
  hostNames: ReadonlySet<string>;
  /** the hosts that parsed */
  hosts: ReadonlyMap<string, PlanHost>;
  /** index-preserving; undefined where an entry did not parse */
  marks: ReadonlyArray<PlanMark | undefined>;
  services: ReadonlyArray<PlanService | undefined>;
  /** "directorGroups"; empty when the plan has none */
  groups: ReadonlyArray<PlanDirectorGroup | undefined>;
  /** true when every entry of that collection parsed */
  complete: { hosts: boolean; marks: boolean; services: boolean; groups: boolean };
  /** "agent", when it parsed */
  agent?: Plan['agent'];
}

export type Rule = (view: PlanView) => PlanProblem[];

export function viewOfPlan(plan: Plan): PlanView {
  const names = Object.keys(plan.hosts);
  return {
    hostNames: new Set(names),
    hosts: new Map(names.map((n) => [n, plan.hosts[n]])),
    marks: plan.marks,
    services: plan.services,
    groups: plan.directorGroups ?? [],
    complete: { hosts: true, marks: true, services: true, groups: true },
    agent: plan.agent,
  };
}

// Unknown keys (the commonest typo) are already reported by the schema; here they are
// dropped so the rest of the entry is still checked. Built once, with the first plan that
// fails the schema: a valid plan never needs them.
let lenient: { host: z.ZodType<PlanHost>; mark: z.ZodType<PlanMark>; service: z.ZodType<PlanService> } | undefined;

function lenientSchemas(): NonNullable<typeof lenient> {
  lenient ??= { host: z.object(hostSchema.shape), mark: z.object(markSchema.shape), service: z.object(serviceSchema.shape) };
  return lenient;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseEach<T>(value: unknown, parse: (item: unknown) => T | undefined): { items: (T | undefined)[]; complete: boolean } {
  if (!Array.isArray(value)) return { items: [], complete: value === undefined };
  const items = value.map(parse);
  return { items, complete: items.every((i) => i !== undefined) };
}

/** The view of an input that failed the schema somewhere: each entry parsed on its own. */
export function viewOfPartialInput(input: unknown): PlanView {
  const { host: lenientHost, mark: lenientMark, service: lenientService } = lenientSchemas();
  const root = isRecord(input) ? input : {};
  const rawHosts = isRecord(root.hosts) ? root.hosts : {};
  const hosts = new Map<string, PlanHost>();
  for (const [name, spec] of Object.entries(rawHosts)) {
    const parsed = lenientHost.safeParse(spec);
    if (parsed.success) hosts.set(name, parsed.data);
  }
  const marks = parseEach(root.marks, (m) => {
    const r = lenientMark.safeParse(m);
    return r.success ? r.data : undefined;
  });
  const services = parseEach(root.services, (s) => {
    const r = lenientService.safeParse(s);
    return r.success ? r.data : undefined;
  });
  const groups = parseEach(root.directorGroups, (g) => {
    const r = directorGroupSchema.safeParse(g);
    return r.success ? r.data : undefined;
  });
  const agent = agentSchema.safeParse(root.agent);
  return {
    hostNames: new Set(Object.keys(rawHosts)),
    hosts,
    marks: marks.items,
    services: services.items,
    groups: groups.items,
    complete: {
      hosts: isRecord(root.hosts) && hosts.size === Object.keys(rawHosts).length,
      marks: marks.complete,
      services: services.complete && Array.isArray(root.services),
      groups: groups.complete,
    },
    ...(agent.success ? { agent: agent.data } : {}),
  };
}
