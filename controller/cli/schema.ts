// lvsctl schema: the JSON Schema of plan.json, generated from the zod schema (one source
// of truth), for editors ("$schema") and outside tools.
import type { Command } from 'commander';
import { planJsonSchema } from '../plan/schema';

export function schemaText(): string {
  return JSON.stringify(planJsonSchema(), null, 2) + '\n';
}

export function register(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema (draft 2020-12) of plan.json on stdout')
    .addHelpText(
      'after',
      [
        '',
        'Save it and point your editor at it, e.g. lvsctl schema > plan.schema.json.',
        'The schema checks structure only; lvsctl validate also checks the rules across fields.',
        '',
        'Exit codes:',
        '  0  printed',
        '  1  a usage error',
      ].join('\n'),
    )
    .action(() => {
      process.stdout.write(schemaText());
    });
}
