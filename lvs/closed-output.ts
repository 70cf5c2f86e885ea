// An output that fails under lvsctl or its agent: its reader went away (`lvsctl render
// plan.json | head`, a `tee` killed, the agent's log reader gone outside systemd: EPIPE), or
// its disk is full or gone (ENOSPC, EIO). Node raises the failed write as an uncaught error: a
// stack trace (with a bundle's source line, hundreds of KB of it) and exit 1, a controller
// gone mid-rollout or an agent gone mid-apply. Both programs stop writing to that output
// instead and carry on; the caller is told once what failed, and decides what the user sees
// (lvsctl: an exit code that says the output is incomplete; the agent: its log on stderr).

/** What a closed pipe looks like to Node: the write that met it, and every write after. */
const CLOSED_OUTPUT = new Set(['EPIPE', 'ERR_STREAM_DESTROYED']);

const watched = new WeakSet<NodeJS.EventEmitter>();

/** The reader went away: a choice of the reader's (`| head`), not a fault of the output. */
export function isClosedOutput(error: unknown): boolean {
  return CLOSED_OUTPUT.has((error as NodeJS.ErrnoException | undefined)?.code ?? '');
}

/**
 * Once per stream: a failed write is let be, and `failed` told of the output's first failure
 * (once, with that error); the writes after it fail quietly too.
 */
export function carryOnWhenOutputFails(outputs: readonly NodeJS.EventEmitter[], failed?: (output: NodeJS.EventEmitter, error: unknown) => void): void {
  for (const output of outputs) {
    if (watched.has(output)) continue;
    watched.add(output);
    let told = false;
    output.on('error', (error: unknown) => {
      if (told) return;
      told = true;
      failed?.(output, error);
    });
  }
}

/**
 * The first failure of `output` other than its reader going away, once it has come (a full
 * disk under `--help > file`); the listener also keeps Node from raising it.
 */
export function firstFailureOf(output: NodeJS.EventEmitter): () => unknown {
  let failure: unknown;
  output.on('error', (error: unknown) => {
    if (failure === undefined && !isClosedOutput(error)) failure = error;
  });
  return () => failure;
}
