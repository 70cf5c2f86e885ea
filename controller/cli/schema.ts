// PLACEHOLDER: lvsctl schema is being built; replace this file.
import type { Command } from 'commander';
import { CliError } from './exit-codes';

export function register(program: Command): void {
  program.command('schema').description('(not built yet)').allowUnknownOption().argument('[args...]').action(() => {
    throw new CliError('schema is not built yet');
  });
}
