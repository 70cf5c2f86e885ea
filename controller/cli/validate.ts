// lvsctl validate PLAN: the command's arguments, options and help. Its action loads
// run-validate.ts (and with it zod and the plan's rules) only when the command runs.
import type { Command } from 'commander';
import type { ValidateOptions } from './run-validate';

export function register(program: Command): void {
  program
    .command('validate')
    .description('check a plan as a whole: structure, every cross-field rule, and that every host address resolves')
    .argument('<PLAN>', 'the plan.json file to check (- reads it from standard input)')
    .option('--ssh-config <FILE>', 'ssh config used to resolve hosts without "address" (default ~/.ssh/config)')
    .option('--json', 'print one JSON document { plan, ok, problems, warnings, summary, addresses } on stdout, nothing else')
    .addHelpText(
      'after',
      [
        '',
        'Each problem is one line on stderr: PLAN: /json/pointer: message (hint); after the first 100, one line says how many more (--json lists them all).',
        'Warnings (e.g. NAT FTP needing ip_vs_ftp) are printed the same way and do not fail the plan.',
        'On success one summary line goes to stdout.',
        '',
        'Exit codes:',
        '  0  the plan is valid and every host resolves',
        '  1  at least one problem (or a usage error)',
      ].join('\n'),
    )
    .action(async (planPath: string, options: ValidateOptions) => {
      const { runValidate } = await import('./run-validate');
      const code = await runValidate(planPath, options, {
        out: (t) => process.stdout.write(t),
        err: (t) => process.stderr.write(t),
      });
      process.exitCode = code;
    });
}
