// The Agent service as grpc-js takes it (Server.addService, client constructors), made from
// the one protobufjs Root of the contract (proto-types.ts) that the sliced Apply codec also
// uses, so each process reads agent.proto once. The methods and their codecs are those
// @grpc/proto-loader would make with LOADER_OPTIONS (test/unit/wire/agent-service-definition.test.ts
// compares them), without the descriptors it adds for server reflection: building those
// parsed google/protobuf/descriptor.proto as well, and an idle agent held them all
// (docs/architecture.md, "Memory at rest").
import { loadPackageDefinition, type Client, type MethodDefinition } from '@grpc/grpc-js';
import type { Method, Type } from 'protobufjs';
import type { AgentClient, AgentDefinition } from '../../proto/generated/lvsctl/v1/Agent';
import { CONVERSION_OPTIONS, sharedAgentProtoRoot } from './proto-types';

export const AGENT_SERVICE_NAME = 'lvsctl.v1.Agent';

/** A method of the Agent service: what grpc-js reads of proto-loader's definition. */
type AgentMethods = { [K in keyof AgentDefinition]: Omit<AgentDefinition[K], 'requestType' | 'responseType' | 'options'> };

export interface AgentProto {
  lvsctl: { v1: { Agent: (new (...args: ConstructorParameters<typeof Client>) => AgentClient) & { service: AgentMethods } } };
}

function serializer(type: Type): (value: object) => Buffer {
  return (value) => {
    if (Array.isArray(value)) throw new Error(`Failed to serialize message: expected object with ${type.name} structure, got array instead`);
    // protobufjs writes into a Buffer under Node (its BufferWriter)
    return type.encode(type.fromObject(value)).finish() as Buffer;
  };
}

function deserializer(type: Type): (bytes: Buffer) => object {
  return (bytes) => type.toObject(type.decode(bytes), CONVERSION_OPTIONS);
}

function methodDefinition(method: Method): MethodDefinition<object, object> {
  const request = method.resolvedRequestType;
  const response = method.resolvedResponseType;
  if (!request || !response) throw new Error(`agent.proto: ${method.fullName} has unresolved message types`);
  return {
    path: `/${AGENT_SERVICE_NAME}/${method.name}`,
    requestStream: method.requestStream === true,
    responseStream: method.responseStream === true,
    requestSerialize: serializer(request),
    requestDeserialize: deserializer(request),
    responseSerialize: serializer(response),
    responseDeserialize: deserializer(response),
    // grpc-js adds the method to clients under this name too (proto-loader: lodash's camelCase)
    originalName: method.name.charAt(0).toLowerCase() + method.name.slice(1),
  };
}

let cached: AgentProto | undefined;

export function loadAgentProto(): AgentProto {
  if (cached) return cached;
  const service = sharedAgentProtoRoot().lookupService(AGENT_SERVICE_NAME);
  const methods = Object.fromEntries(service.methodsArray.map((m) => [m.name, methodDefinition(m)]));
  cached = loadPackageDefinition({ [AGENT_SERVICE_NAME]: methods }) as unknown as AgentProto;
  return cached;
}
