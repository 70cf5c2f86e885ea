// How lvsctl ends once a command is done: as soon as what it printed has been handed to the
// operating system, not when Node's event loop next finds itself empty. By then V8 has often
// queued a collection of its own, which would run first for nothing (about a twentieth of
// `lvsctl validate`'s whole run). A pipe's writes are asynchronous in Node, so each output
// stream is first asked to call back once everything written before has gone out.
// process.exit still runs the 'exit' listeners (the code cache's training run writes there).

/** the part of a stream this needs: a write of nothing whose callback comes after all earlier writes */
export interface FlushableOutput {
  write(chunk: string, callback: (error?: Error | null) => void): boolean;
}

/** Sets the exit code, waits until `outputs` have written out what they hold (or failed to), then ends the process. */
export function exitOnceWritten(
  code: number,
  outputs: readonly FlushableOutput[] = [process.stdout, process.stderr],
  exit: (code: number) => void = (c) => process.exit(c),
): void {
  process.exitCode = code;
  let waiting = outputs.length;
  if (waiting === 0) {
    exit(code);
    return;
  }
  // an output that fails (EPIPE: the reader went away) has nothing more to wait for either
  const oneWritten = (): void => {
    waiting -= 1;
    if (waiting === 0) exit(code);
  };
  for (const output of outputs) output.write('', oneWritten);
}
