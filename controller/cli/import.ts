// PLACEHOLDER: lvsctl import is being built; replace this file.
import type { Command } from 'commander';
import { CliError } from './exit-codes';

export function register(program: Command): void {
  program.command('import').description('(not built yet)').allowUnknownOption().argument('[args...]').action(() => {
    throw new CliError('import is not built yet');
  });
}
