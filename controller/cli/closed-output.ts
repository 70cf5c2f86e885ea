// lvsctl's outputs: a reader that goes away is let be (lvs/closed-output.ts), the command
// finishes and exits with its own code (docs/rollout.md). A command that runs until stopped
// (health --watch) is stopped then, as by Ctrl-C.
import { carryOnWhenOutputCloses } from '../../lvs/closed-output';

/** Told once stdout has closed: a command that would otherwise never end (health --watch) ends then. */
const whenStdoutCloses = new Set<() => void>();

/** Calls `listener` when stdout closes under the command; the returned function stops that. */
export function onStdoutClosed(listener: () => void): () => void {
  whenStdoutCloses.add(listener);
  return () => whenStdoutCloses.delete(listener);
}

/** stdout and stderr watched for the whole command. */
export function carryOnWhenCommandOutputCloses(): void {
  carryOnWhenOutputCloses([process.stdout, process.stderr], (output) => {
    if (output === process.stdout) for (const listener of [...whenStdoutCloses]) listener();
  });
}
