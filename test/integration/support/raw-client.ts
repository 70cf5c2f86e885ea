// A bare gRPC client to the agent, to see status codes as the wire carries them.
import { credentials, type ServiceError } from '@grpc/grpc-js';
import { readFileSync } from 'fs';
import { loadAgentProto } from '../../../lvs/wire/proto-loader';
import type { TlsFiles } from '../../../lvs/wire/tls-files';
import type { ApplyRequest } from '../../../proto/generated/lvsctl/v1/ApplyRequest';
import type { ApplyEvent__Output } from '../../../proto/generated/lvsctl/v1/ApplyEvent';
import type { HelloReply__Output } from '../../../proto/generated/lvsctl/v1/HelloReply';

export interface RawApplyOutcome {
  events: ApplyEvent__Output[];
  error?: ServiceError;
}

export function rawApply(port: number, tls: TlsFiles, request: ApplyRequest): Promise<RawApplyOutcome> {
  const Agent = loadAgentProto().lvsctl.v1.Agent;
  const creds = credentials.createSsl(readFileSync(tls.ca), readFileSync(tls.key), readFileSync(tls.cert));
  const client = new Agent(`127.0.0.1:${port}`, creds, { 'grpc.ssl_target_name_override': 'lvs1' });
  const call = client.apply(request, { deadline: Date.now() + 10_000 });
  const events: ApplyEvent__Output[] = [];
  return new Promise((resolve) => {
    call.on('data', (e: ApplyEvent__Output) => events.push(e));
    call.on('error', (error: ServiceError) => {
      client.close();
      resolve({ events, error });
    });
    call.on('end', () => {
      client.close();
      resolve({ events });
    });
  });
}

/** One Hello with whatever the client presents (no certificate at all when cert/key are absent). */
export function rawHello(port: number, tls: { ca: string; cert?: string; key?: string }): Promise<{ reply?: HelloReply__Output; error?: ServiceError }> {
  const Agent = loadAgentProto().lvsctl.v1.Agent;
  const creds = tls.cert && tls.key
    ? credentials.createSsl(readFileSync(tls.ca), readFileSync(tls.key), readFileSync(tls.cert))
    : credentials.createSsl(readFileSync(tls.ca));
  const client = new Agent(`127.0.0.1:${port}`, creds, { 'grpc.ssl_target_name_override': 'lvs1' });
  return new Promise((resolve) => {
    client.hello({}, { deadline: Date.now() + 5000 }, (error, reply) => {
      client.close();
      resolve(error ? { error } : { reply: reply as HelloReply__Output });
    });
  });
}
