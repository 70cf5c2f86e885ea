// The plan field "natGateway" of a director host (nat-gateway.ts says what it means). Apart
// from that file so compile, loaded at every command's start, does not load zod.
import { ipAddressField } from './address-field';

export const natGatewayField = ipAddressField('"192.168.10.1" or "fd00:10::1"')
  .optional()
  .describe("director: its address on the NAT realservers' network, which their default route must go through; absent: the director's agent address");
