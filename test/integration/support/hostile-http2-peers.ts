// HTTP/2 peers with a real agent certificate that break the gRPC conversation on purpose, on
// 127.0.0.1:0: one sends GOAWAY as soon as the connection is up; one answers every call
// with a length prefix far over any message limit; one answers with one apply step (or its
// result) and then resets the stream (RST_STREAM). stop() ends every connection they hold.
import { readFileSync } from 'fs';
import { constants, createSecureServer, type Http2Session } from 'http2';
import type { TlsFiles } from '../../../lvs/wire/tls-files';
import { encodeApplyEvent } from '../../../lvs/wire/apply-event-codec';

export type HostileBehaviour = 'goaway' | 'oversized-answer' | 'one-step-then-reset' | 'result-then-reset';

export interface HostilePeer {
  port: number;
  /** calls received so far (the oversized peer answers each) */
  calls(): number;
  stop(): Promise<void>;
}

export function startHostileHttp2(files: TlsFiles, behaviour: HostileBehaviour): Promise<HostilePeer> {
  const sessions = new Set<Http2Session>();
  let calls = 0;
  const server = createSecureServer({
    ca: readFileSync(files.ca), cert: readFileSync(files.cert), key: readFileSync(files.key),
    requestCert: true, rejectUnauthorized: true,
  });
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    session.on('error', () => undefined);
    if (behaviour === 'goaway') session.goaway(constants.NGHTTP2_PROTOCOL_ERROR);
  });
  server.on('stream', (stream) => {
    calls++;
    stream.on('error', () => undefined);
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
    if (behaviour === 'one-step-then-reset' || behaviour === 'result-then-reset') {
      const message = encodeApplyEvent(behaviour === 'one-step-then-reset'
        ? { kind: 'step', action: 'add-service', target: 'tcp 10.0.0.100:80', status: 'changed', message: '' }
        : { kind: 'result', outcome: 'changed', changed: 1, message: '1 change(s) applied' });
      const prefix = Buffer.alloc(5);
      prefix.writeUInt32BE(message.length, 1);
      stream.write(Buffer.concat([prefix, message]), () => setTimeout(() => stream.close(constants.NGHTTP2_INTERNAL_ERROR), 50));
      return;
    }
    // not compressed, then a length of 2^31 - 1: the first five bytes of a gRPC message
    stream.write(Buffer.from([0, 0x7f, 0xff, 0xff, 0xff]));
  });
  server.on('tlsClientError', () => undefined);
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        port: (server.address() as { port: number }).port,
        calls: () => calls,
        stop: () => new Promise<void>((done) => {
          for (const s of sessions) s.destroy();
          server.close(() => done());
        }),
      });
    });
  });
}
