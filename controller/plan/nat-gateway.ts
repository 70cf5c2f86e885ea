// The gateway LVS-NAT realservers must route through: the director rewrites their replies,
// so their default route has to point at it. A director's agent address is often not on
// the realservers' network (a two-armed director: agent on 10.0.0.1, realservers on
// 192.168.10.0/24 behind its inside address), hence "natGateway" on a director host.
// This file is the one place that picks the address; compile hands it to the realservers
// as the gateways their check accepts, and render prints the route from it.
/** The address NAT realservers route through for one director: its natGateway, else its agent address. */
export function natGatewayOf(director: { natGateway?: string }, agentAddress: string): string {
  return director.natGateway ?? agentAddress;
}
