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
  /** a realserver checks each port it is a destination at in a service: as many as the service has realservers */
  portsPerDuty: 1_000,
  duties: 20_000,
  addressesPerDuty: 1_000,
  schedulerFlags: 4,
  name: 64,
  hostName: 253,
  path: 4_096,
  healthPath: 2_048,
  eventText: 1_000_000,
  /** steps in one StepBatch: an agent sends at most this many, a controller refuses more */
  stepsPerBatch: 1_000,
} as const;

/**
 * An agent ends a StepBatch before it would pass this many bytes, counting a character as a
 * byte (a step larger than it goes alone): ~256 KiB is a few milliseconds of work on either
 * side, and even at 3 bytes a character far below MAX_MESSAGE_BYTES.
 */
export const STEP_BATCH_BYTES = 256 * 1024;

/** 16 MiB: a 20,000-service plan encodes to a few MiB; anything larger is refused unread. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/**
 * What the controller takes on one apply's stream of events, all messages together. The
 * largest real stream, a 20,000 x 10 table replaced by another with --diff, is tens of MiB
 * and a few hundred thousand steps; an agent that streams on past these (broken, or not
 * lvsctl's) is cut off, so that the controller, which keeps the events for --json, cannot
 * be made to grow without bound.
 */
export const MAX_APPLY_STREAM_BYTES = 256 * 1024 * 1024;
export const MAX_APPLY_STREAM_EVENTS = 4_000_000;

/**
 * Keepalive pings every 30 s (answered within 10 s) notice a director that vanished in the
 * middle of a long apply, instead of waiting for the deadline.
 */
const KEEPALIVE: ChannelOptions = {
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 0,
};

/**
 * What one agent holds open, and for how long (agent/server/transport/listener.ts). A
 * connection that has not finished its TLS handshake proves nothing about its sender, so
 * those are few and short-lived, and the oldest gives way to a new one: a flood of silent
 * connections cannot keep a controller out. Past the handshake a peer holds a certificate
 * of the cluster's CA, so the newest is refused instead, and the connections already
 * serving (an apply in flight) keep going.
 */
export const CONNECTION_LIMITS = {
  /** counted from accept, not from the peer's last byte: a trickle of bytes does not extend it */
  handshakeTimeoutMs: 10_000,
  /** connections still in their TLS handshake; at the cap the oldest is closed */
  maxHandshaking: 256,
  /** connections past the handshake; at the cap a new one is refused */
  maxConnections: 64,
  /**
   * connections whose certificate --allow does not name: held apart from the 64, only so that
   * their calls are answered PERMISSION_DENIED with the fix; at the cap the oldest is closed,
   * and each is closed after refusedHoldMs whatever it does (a CA-signed certificate outside
   * --allow must not be able to fill the slots the controller needs)
   */
  maxRefused: 4,
  refusedHoldMs: 10_000,
  /**
   * once the agent has ended its side of a connection (gRPC closed it: idle, GOAWAY), how long
   * the peer has to end its own before the socket is destroyed: a peer that never does would
   * otherwise keep one of the maxConnections slots for good
   */
  halfClosedGraceMs: 5_000,
} as const;

/** A connection with no call for this long is closed (GOAWAY); the controller reconnects when it calls again. */
export const IDLE_CONNECTION_MS = 120_000;

export const SERVER_OPTIONS: ChannelOptions = {
  ...KEEPALIVE,
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  // the controller is the only client, and one command asks an agent at most two things at
  // once (status: its table and its health; a rollout: a Hello, then an Apply): 4 is room to spare. Each stream of an
  // allowed certificate may buffer a 16 MiB message before its handler sees it: 32 let one connection hold 512 MiB
  'grpc.max_concurrent_streams': 4,
  'grpc.max_connection_idle_ms': IDLE_CONNECTION_MS,
  // No connection age limit: an apply may take 30 minutes and a health --watch longer;
  // the caps above, the idle limit and the keepalive pings bound what a peer holds.
  // channelz keeps per-connection and per-call records nobody reads here
  'grpc.enable_channelz': 0,
};

export const CLIENT_OPTIONS: ChannelOptions = {
  ...KEEPALIVE,
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  // a failed connection should fail the call at once, not wait for a retry inside the deadline
  'grpc.enable_retries': 0,
  // channelz stamps every message received with Date.now(): a system call in the lab's
  // kernel, 4.3 s of a 2,000-service rollout's 22,000 events there (bench profile)
  'grpc.enable_channelz': 0,
  // agents are dialled directly: grpc-js would otherwise send every call through the proxy an
  // operator's shell names for the web (https_proxy, grpc_proxy), whose CONNECT it neither
  // bounds in time nor closes when refused, so a fleet command hung past its deadline
  'grpc.enable_http_proxy': 0,
};
