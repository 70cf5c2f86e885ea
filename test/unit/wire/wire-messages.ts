// agent.proto's messages as @grpc/proto-loader reads them with the agent's options: tests
// encode and decode through these, apart from the definition lvs/wire/proto-loader.ts builds.
import type { ProtoGrpcType } from '../../../proto/generated/agent';
import { PACKAGE } from './proto-arbitraries';

type Messages = ProtoGrpcType['lvsctl']['v1'];

export function wireMessage<K extends keyof Messages>(name: K): Messages[K] {
  return PACKAGE[`lvsctl.v1.${name}`] as unknown as Messages[K];
}
