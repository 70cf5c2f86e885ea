// lvsctl render PLAN: the command's arguments, options and help. Its action loads
// run-render.ts only when the command runs.
import type { Command } from 'commander';
import type { RenderCliOptions } from './run-render';

export function register(program: Command): void {
  program
    .command('render')
    .description('print, per host, the hand commands (ipvsadm, iptables, ip, sysctl) a rollout of the plan means')
    .argument('<PLAN>', 'the plan.json file (- reads it from standard input)')
    .option('--host <H>', 'only this host of the plan')
    .option('--batch', 'print the ipvsadm -R and iptables-restore --noflush inputs the agents use instead')
    .option('--ssh-config <FILE>', 'ssh config used to resolve hosts without "address" (default ~/.ssh/config)')
    .addHelpText(
      'after',
      [
        '',
        'Each host starts with a heading "# host NAME (ROLE, ADDRESS)". Realservers are verified',
        'by their agent, and only changed with "prepare": true; the commands show what that means.',
        '',
        'Exit codes:',
        '  0  rendered',
        '  1  the plan is invalid, a host does not resolve, or --host names no host of the plan',
      ].join('\n'),
    )
    .action(async (planPath: string, options: RenderCliOptions) => {
      const { runRender } = await import('./run-render');
      process.exitCode = await runRender(planPath, options, {
        out: (t) => process.stdout.write(t),
        err: (t) => process.stderr.write(t),
      });
    });
}
