// lvsctl: the controller's command line (main.ts starts it). Each command lives in its own
// file and registers itself here; this file only wires them and turns errors into exit codes.
// A command's file declares it (arguments, options, help) and its action loads what does
// the work when it runs, so building the program and --help load commander and little else.
import { Command, CommanderError } from 'commander';
import { CliError, EXIT, OptionError } from '../exit-codes';
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

/**
 * A command run with --json that fails before printing anything (an unknown option, a wrong
 * --timeout, TLS files missing) still prints its one document on stdout, as for a refused plan:
 * `{command, plan, problems: [{pointer: "", message}], exitCode: 1}` (one line with --watch).
 */
async function jsonDocumentOfFailure(program: Command, argv: readonly string[], message: string): Promise<void> {
  const words = argv.slice(2);
  if (!words.includes('--json')) return;
  const name = words.find((w) => !w.startsWith('-'));
  const command = program.commands.find((c) => c.name() === name);
  // validate's document has a shape of its own ({plan, ok, problems, …}), and says its problems itself
  if (command === undefined || command.name() === 'validate' || !command.options.some((o) => o.long === '--json')) return;
  const plan = firstArgument(command, words.slice(words.indexOf(name as string) + 1)) ?? '';
  const { invalidPlanJson } = await import('../report/invalid-plan-json');
  process.stdout.write(invalidPlanJson(command.name(), plan, [{ pointer: '', message }], EXIT.invalid, words.includes('--watch')));
}

/** The command's first argument among its words: not an option, nor the value an option takes. */
function firstArgument(command: Command, words: readonly string[]): string | undefined {
  const takesValue = new Set(command.options.filter((o) => o.required || o.optional).flatMap((o) => [o.long, o.short].filter((f): f is string => f !== undefined)));
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i] as string;
    if (!word.startsWith('-')) return word;
    if (takesValue.has(word)) i += 1;
  }
  return undefined;
}

async function runCommand(program: Command, argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    return Number(process.exitCode ?? EXIT.ok);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with code 0; a usage error already printed its message.
      if (err.exitCode === 0) return EXIT.ok;
      await jsonDocumentOfFailure(program, argv, err.message.replace(/^error: /, ''));
      return EXIT.invalid;
    }
    if (err instanceof CliError) {
      process.stderr.write(`lvsctl: ${err.message}\n`);
      if (err instanceof OptionError) await jsonDocumentOfFailure(program, argv, err.message);
      return err.exitCode;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`lvsctl: unexpected error: ${message}\n`);
    return EXIT.invalid;
  }
}
