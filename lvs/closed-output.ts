// An output whose reader went away (`lvsctl render plan.json | head`, a `tee` killed, the
// agent's log reader gone outside systemd) makes the next write fail with EPIPE, which Node
// raises as an uncaught error: a stack trace and exit 1, a controller gone mid-rollout or an
// agent gone mid-apply. Both programs stop writing to that output instead and carry on; only
// what would have been written there is lost. Any other failure of an output is still raised.

/** What a closed pipe looks like to Node: the write that met it, and every write after. */
const CLOSED_OUTPUT = new Set(['EPIPE', 'ERR_STREAM_DESTROYED']);

const watched = new WeakSet<NodeJS.EventEmitter>();

export function isClosedOutput(error: unknown): boolean {
  return CLOSED_OUTPUT.has((error as NodeJS.ErrnoException | undefined)?.code ?? '');
}

/**
 * Once per stream: a closed output is let be (`closed` told of it at its first failed write,
 * once); another error is thrown as before.
 */
export function carryOnWhenOutputCloses(outputs: readonly NodeJS.EventEmitter[], closed?: (output: NodeJS.EventEmitter) => void): void {
  for (const output of outputs) {
    if (watched.has(output)) continue;
    watched.add(output);
    let told = false;
    output.on('error', (error: unknown) => {
      if (!isClosedOutput(error)) throw error;
      if (told) return;
      told = true;
      closed?.(output);
    });
  }
}
