// lvsctl schema: the command and its help. Its action loads schema-text.ts (and with it
// zod) only when the command runs.
import type { Command } from 'commander';

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
    .action(async () => {
      const { schemaText } = await import('./schema-text');
      process.stdout.write(schemaText());
    });
}
