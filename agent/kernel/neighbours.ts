// The IPv6 neighbour proxy table, as far as a DR realserver needs it: an entry for a VIP
// (`ip -6 neigh add proxy VIP dev eth0`, with proxy_ndp on) makes the host answer neighbour
// solicitations for the VIP on that interface, taking the VIP's traffic from the director.

export interface ProxyNeighbour {
  address: string;
  device: string;
}

export interface Neighbours {
  /** Every IPv6 proxy neighbour entry (`ip -j -6 neigh show proxy`). */
  ipv6Proxies(): Promise<ProxyNeighbour[]>;
}
