// PLACEHOLDER: lvsctl validate is being built; replace this file.
import type { Command } from 'commander';
import { CliError } from './exit-codes';

export function register(program: Command): void {
  program.command('validate').description('(not built yet)').allowUnknownOption().argument('[args...]').action(() => {
    throw new CliError('validate is not built yet');
  });
}
