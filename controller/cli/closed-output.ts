// lvsctl's outputs: a reader that goes away is let be (lvs/closed-output.ts), the command
// finishes and exits with its own code (docs/rollout.md). An output that fails otherwise (a
// full disk: `lvsctl status plan.json > /full/disk/out`) is let be too, so a rollout still
// ends as it would, but the command then exits non-zero and says on stderr what was lost. A
// command that runs until stopped (health --watch) is stopped when stdout fails, as by Ctrl-C.
import { carryOnWhenOutputFails, isClosedOutput } from '../../lvs/closed-output';
import { errorMessage } from '../../lvs/errors';

/** Told once stdout has failed: a command that would otherwise never end (health --watch) ends then. */
const whenStdoutCloses = new Set<() => void>();

/** stdout's failure other than a reader gone away, kept for the end of the command. */
let stdoutFailure: unknown;

/** Calls `listener` when stdout closes or fails under the command; the returned function stops that. */
export function onStdoutClosed(listener: () => void): () => void {
  whenStdoutCloses.add(listener);
  return () => whenStdoutCloses.delete(listener);
}

/** stdout and stderr watched for the whole command. */
export function carryOnWhenCommandOutputCloses(): void {
  carryOnWhenOutputFails([process.stdout, process.stderr], (output, error) => {
    if (output !== process.stdout) return;
    if (!isClosedOutput(error)) stdoutFailure = error;
    for (const listener of [...whenStdoutCloses]) listener();
  });
}

/**
 * What the command's output lost, for stderr, when stdout failed otherwise than by its reader
 * going away; undefined when nothing was lost that way.
 */
export function stdoutFailureMessage(): string | undefined {
  if (stdoutFailure === undefined) return undefined;
  return `could not write to stdout (${errorMessage(stdoutFailure)}): what the command printed there is incomplete`;
}
