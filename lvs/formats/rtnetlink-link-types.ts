// A link's hardware type (ifinfomsg's ifi_type, ARPHRD_* of <linux/if_arp.h>) by the name
// iproute2 prints for it (`link/ether`, `"link_type":"loopback"`), so a realserver reading
// links over netlink names them as one reading `ip -j addr show` does. Pure.

const NAMES = new Map<number, string>([
  [0, 'generic'], [1, 'ether'], [2, 'eether'], [3, 'ax25'], [4, 'pronet'], [5, 'chaos'], [6, 'ieee802'],
  [7, 'arcnet'], [8, 'atalk'], [15, 'dlci'], [19, 'atm'], [23, 'metricom'], [24, 'ieee1394'], [32, 'infiniband'],
  [256, 'slip'], [257, 'cslip'], [258, 'slip6'], [259, 'cslip6'], [260, 'rsrvd'], [264, 'adapt'], [270, 'rose'],
  [271, 'x25'], [272, 'hwx25'], [280, 'can'], [512, 'ppp'], [513, 'hdlc'], [516, 'lapb'], [517, 'ddcmp'],
  [518, 'rawhdlc'],
  // tunnels: ARPHRD_TUNNEL is ipip's (tunl0), TUNNEL6 ip6tnl's, SIT sit's, IPGRE gre's
  [768, 'ipip'], [769, 'tunnel6'], [770, 'frad'], [771, 'skip'], [772, 'loopback'], [773, 'ltalk'], [774, 'fddi'],
  [775, 'bif'], [776, 'sit'], [777, 'ip/ddp'], [778, 'gre'], [779, 'pimreg'], [780, 'hippi'], [781, 'ash'],
  [782, 'econet'], [783, 'irda'], [784, 'fcpp'], [785, 'fcal'], [786, 'fcpl'],
  ...Array.from({ length: 13 }, (_, i) => [787 + i, `fcfb${i}`] as [number, string]),
  [800, 'tr'], [801, 'ieee802.11'], [802, 'ieee802.11/prism'], [803, 'ieee802.11/radiotap'],
  [804, 'ieee802.15.4'], [805, 'ieee802.15.4/monitor'], [820, 'phonet'], [821, 'phonet_pipe'], [822, 'caif'],
  [823, 'gre6'], [824, 'netlink'], [825, '6lowpan'],
  // a device without a link layer (a tun device, wireguard) and one with none to speak of
  [0xfffe, 'none'], [0xffff, 'void'],
]);

/** iproute2's name for an ARPHRD type; an unnamed type is "[N]", as iproute2 prints it. */
export function linkTypeName(type: number): string {
  return NAMES.get(type) ?? `[${type}]`;
}
