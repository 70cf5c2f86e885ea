// What lvsctl schema prints: the JSON Schema of plan.json, generated from the zod schema
// (one source of truth), for editors ("$schema") and outside tools.
import { planJsonSchema } from '../plan/schema';

export function schemaText(): string {
  return JSON.stringify(planJsonSchema(), null, 2) + '\n';
}
