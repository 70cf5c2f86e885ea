// Shared by the plan tests: the fixture directory, a small valid plan to break on
// purpose, and a way to look up the problems at one pointer.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PlanProblem } from '../../../controller/plan/errors';
import { validatePlan, type ValidationResult } from '../../../controller/plan/validate';

/** test/fixtures/plans, from dist/test/unit/plan as from test/unit/plan. */
export const FIXTURES = resolve(__dirname, '..', '..', '..', ...(__dirname.includes(`${'/'}dist${'/'}`) ? ['..'] : []), 'test', 'fixtures', 'plans');

export type Json = { [key: string]: Json } | Json[] | string | number | boolean | null;
export type JsonObject = { [key: string]: Json };

export function fixture(name: string): JsonObject {
  return JSON.parse(readFileSync(resolve(FIXTURES, name), 'utf8')) as JsonObject;
}

/** A valid plan: one director, two realservers, a port service on 10.0.0.100:80. */
export function basePlan(): JsonObject {
  return {
    apiVersion: 'lvsctl/v1',
    cluster: 'test',
    hosts: {
      lvs1: { role: 'director', address: '10.0.0.1' },
      web1: { role: 'realserver', address: '10.0.0.11' },
      web2: { role: 'realserver', address: '10.0.0.12' },
    },
    marks: [],
    services: [
      { name: 'web', vip: '10.0.0.100', port: 80, realservers: [{ host: 'web1' }, { host: 'web2' }] },
    ],
  };
}

/** The plan with its services (and marks) replaced. */
export function planWith(services: Json[], marks: Json[] = []): JsonObject {
  return { ...basePlan(), services, marks };
}

export function problems(result: ValidationResult): PlanProblem[] {
  return result.problems;
}

/** Asserts the plan is refused with a problem at `pointer` whose message matches, and returns it. */
export function expectProblem(input: unknown, pointer: string, message: RegExp): PlanProblem {
  const result = validatePlan(input);
  assert.equal(result.ok, false, 'expected the plan to be refused');
  const found = result.problems.find((p) => p.pointer === pointer && message.test(p.message));
  assert.ok(found, `no problem at ${pointer} matching ${message}; got:\n${result.problems.map((p) => `${p.pointer}: ${p.message}`).join('\n')}`);
  return found;
}

export function expectValid(input: unknown): void {
  const result = validatePlan(input);
  assert.deepEqual(result.problems.map((p) => `${p.pointer}: ${p.message}`), []);
  assert.equal(result.ok, true);
}

/** Replaces the value at a random path of `plan` by `value` (a near-valid plan). */
export function mutate(plan: Json, choices: number[], value: Json): Json {
  if (choices.length === 0 || plan === null || typeof plan !== 'object') return value;
  const keys = Array.isArray(plan) ? plan.map((_, i) => i) : Object.keys(plan);
  if (keys.length === 0) return value;
  const key = keys[choices[0] % keys.length];
  if (Array.isArray(plan)) {
    const copy = [...plan];
    copy[key as number] = mutate(copy[key as number], choices.slice(1), value);
    return copy;
  }
  return { ...plan, [key]: mutate(plan[key as string], choices.slice(1), value) };
}
