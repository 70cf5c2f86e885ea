// Exit codes of lvsctl (every command's --help, docs/rollout.md): outside scripts rely on them.
export const EXIT = {
  ok: 0,
  /** the plan is invalid, or a usage error */
  invalid: 1,
  /** at least one host failed */
  hostFailed: 2,
  /** at least one host unreachable, none failed */
  unreachable: 3,
} as const;

/** Thrown by a command to end with a message and an exit code instead of a stack trace. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT.invalid) {
    super(message);
  }
}

/**
 * A wrong option or option file (TLS files, a duration), found before the command printed
 * anything: with --json, program.ts prints the command's one document for it.
 */
export class OptionError extends CliError {}
