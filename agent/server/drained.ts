// Waits until a server stream can take more (its buffer drained) or the call is over, so a
// slow or vanished client never leaves a writer waiting for ever.
import type { ServerWritableStream } from '@grpc/grpc-js';

export function drained<Req, Res>(call: ServerWritableStream<Req, Res>): Promise<void> {
  if (call.cancelled) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      call.off('drain', done);
      call.off('cancelled', done);
      call.off('close', done);
      resolve();
    };
    call.once('drain', done);
    call.once('cancelled', done);
    call.once('close', done);
  });
}
