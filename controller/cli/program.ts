// lvsctl: the controller's command line (main.ts starts it). Each command lives in its own
// file and registers itself here; this file only wires them and turns errors into exit codes.
// A command's file declares it (arguments, options, help) and its action loads what does
// the work when it runs, so building the program and --help load commander and little else.
import { Command, CommanderError } from 'commander';
import { CliError, EXIT } from '../exit-codes';
import { VERSION } from '../../lvs/version';
import { carryOnWhenCommandOutputCloses, stdoutFailureMessage } from './closed-output';
import { registerCommands } from './commands';

export function buildProgram(): Command {
  const program = new Command('lvsctl')
    .description('Roll out and verify Linux Virtual Server (IPVS) clusters from one plan.json')
    .version(VERSION, '--version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  carryOnWhenCommandOutputCloses();
  const code = await runCommand(buildProgram(), argv);
  // a failed write to a file or terminal is raised a tick after it: its error, if any, is in by the next turn
  await new Promise((resolve) => setImmediate(resolve));
  const lost = stdoutFailureMessage();
  if (lost === undefined) return code;
  process.stderr.write(`lvsctl: ${lost}\n`);
  return code === EXIT.ok ? EXIT.invalid : code;
}

async function runCommand(program: Command, argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    return Number(process.exitCode ?? EXIT.ok);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with code 0; a usage error already printed its message.
      return err.exitCode === 0 ? EXIT.ok : EXIT.invalid;
    }
    if (err instanceof CliError) {
      process.stderr.write(`lvsctl: ${err.message}\n`);
      return err.exitCode;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`lvsctl: unexpected error: ${message}\n`);
    return EXIT.invalid;
  }
}
