// The plan field "natGateway" of a director host (nat-gateway.ts says what it means). Apart
// from that file so compile, loaded at every command's start, does not load zod.
import { z } from 'zod';

export const natGatewayField = z
  .union([z.ipv4(), z.ipv6()], { error: 'must be an IPv4 or IPv6 address, e.g. "192.168.10.1" or "fd00:10::1"' })
  .optional()
  .describe("director: its address on the NAT realservers' network, which their default route must go through; absent: the director's agent address");
