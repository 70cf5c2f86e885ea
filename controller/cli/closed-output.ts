// A reader that goes away (`lvsctl render plan.json | head`, a `tee` killed during a rollout)
// makes the next write to stdout fail with EPIPE, which Node raises as an uncaught error: a
// stack trace and exit 1 and, during a rollout, the controller gone while agents are still
// streaming. lvsctl stops writing to that output instead and carries on: the command finishes
// and exits with its own code (docs/rollout.md); only what it would have printed is lost, as
// the reader chose. A command that runs until stopped (health --watch) is stopped then, as by
// Ctrl-C. Any other failure of an output is still raised.

/** What a closed pipe looks like to Node: the write that met it, and every write after. */
const CLOSED_OUTPUT = new Set(['EPIPE', 'ERR_STREAM_DESTROYED']);

const watched = new WeakSet<NodeJS.EventEmitter>();

/** Told once stdout has closed: a command that would otherwise never end (health --watch) ends then. */
const whenStdoutCloses = new Set<() => void>();

/** Calls `listener` when stdout closes under the command; the returned function stops that. */
export function onStdoutClosed(listener: () => void): () => void {
  whenStdoutCloses.add(listener);
  return () => whenStdoutCloses.delete(listener);
}

export function isClosedOutput(error: unknown): boolean {
  return CLOSED_OUTPUT.has((error as NodeJS.ErrnoException | undefined)?.code ?? '');
}

/** Once per stream: a closed output is let be; another error is thrown as before. */
export function carryOnWhenOutputCloses(outputs: readonly NodeJS.EventEmitter[] = [process.stdout, process.stderr]): void {
  for (const output of outputs) {
    if (watched.has(output)) continue;
    watched.add(output);
    output.on('error', (error: unknown) => {
      if (!isClosedOutput(error)) throw error;
      if (output === process.stdout) for (const listener of [...whenStdoutCloses]) listener();
    });
  }
}
