// PLACEHOLDER: lvsctl rollout is being built; replace this file.
import type { Command } from 'commander';
import { CliError } from './exit-codes';

export function register(program: Command): void {
  program.command('rollout').description('(not built yet)').allowUnknownOption().argument('[args...]').action(() => {
    throw new CliError('rollout is not built yet');
  });
}
