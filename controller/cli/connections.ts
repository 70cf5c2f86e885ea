// PLACEHOLDER: lvsctl connections is being built; replace this file.
import type { Command } from 'commander';
import { CliError } from './exit-codes';

export function register(program: Command): void {
  program.command('connections').description('(not built yet)').allowUnknownOption().argument('[args...]').action(() => {
    throw new CliError('connections is not built yet');
  });
}
