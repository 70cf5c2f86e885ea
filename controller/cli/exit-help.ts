// The "Exit codes:" section every command's --help ends with (controller/exit-codes.ts, in the words of
// that command), so the help, the man page and the scripts that branch on them agree.
import type { Command } from 'commander';

/** [code, when] pairs in order. */
export type ExitCodeLines = ReadonlyArray<readonly [number, string]>;

export function exitCodesText(codes: ExitCodeLines): string {
  return ['', 'Exit codes:', ...codes.map(([code, when]) => `  ${code}  ${when}`)].join('\n');
}

/** Appends the section after the command's own help (and after any text added before). */
export function addExitCodes(cmd: Command, codes: ExitCodeLines): Command {
  return cmd.addHelpText('after', exitCodesText(codes));
}

/** The codes of the commands that ask agents (rollout, health, status, connections). */
export function fleetExitCodes(ok: string, failed: string): ExitCodeLines {
  return [
    [0, ok],
    [1, 'the plan is invalid, a host does not resolve, or a usage error'],
    [2, failed],
    [3, 'at least one host unreachable (no answer, none by --deadline, a broken answer, or an agent that did not accept this controller: its --allow, its CRL), none failed'],
  ];
}
