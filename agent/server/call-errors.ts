// gRPC failures as values: a status code chosen on purpose and a message that says what to do.
import { status, type ServiceError, Metadata } from '@grpc/grpc-js';

export type CallError = Pick<ServiceError, 'code' | 'details' | 'message' | 'name' | 'metadata'>;

export function callError(code: status, details: string): CallError {
  return { code, details, message: details, name: 'CallError', metadata: new Metadata() };
}
