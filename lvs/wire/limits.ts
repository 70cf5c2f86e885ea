// Every bound the wire enforces, in one place, so docs/security.md and the code agree.
// They follow the plan's own limits (docs/plan-reference.md), with room above what the lab measured
// (2,000 services × 10 destinations) and far below what would exhaust an agent's memory.
import type { ChannelOptions } from '@grpc/grpc-js';

export const LIMITS = {
  services: 20_000,
  destinationsPerService: 1_000,
  /** across all services of one plan: the product of the two above would be 20 million */
  destinationsTotal: 200_000,
  marks: 10_000,
  portsPerMark: 15,
  portsPerDuty: 16,
  duties: 20_000,
  addressesPerDuty: 1_000,
  schedulerFlags: 4,
  name: 64,
  hostName: 253,
  path: 4_096,
  healthPath: 2_048,
  eventText: 1_000_000,
} as const;

/** 16 MiB: a 20,000-service plan encodes to a few MiB; anything larger is refused unread. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/**
 * Keepalive pings every 30 s (answered within 10 s) notice a director that vanished in the
 * middle of a long apply, instead of waiting for the deadline.
 */
const KEEPALIVE: ChannelOptions = {
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 0,
};

export const SERVER_OPTIONS: ChannelOptions = {
  ...KEEPALIVE,
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  // the controller is the only client; a handful of concurrent streams is all it needs
  'grpc.max_concurrent_streams': 32,
};

export const CLIENT_OPTIONS: ChannelOptions = {
  ...KEEPALIVE,
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  // a failed connection should fail the call at once, not wait for a retry inside the deadline
  'grpc.enable_retries': 0,
};
